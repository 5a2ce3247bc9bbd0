# Fixtures come from the platform's pytest plugin (motcua_platform.testing.pytest_plugin), registered
# through the pytest11 entry point in pyproject.toml.
