"""The composition root: the one package that knows every area. Importing it installs the areas (their
blueprints, job tasks, CLI groups, models and signal receivers) into the kernel; the web app, the CLI, the
worker and the test fixtures are all built through it."""

from motcua_platform.areas import install

from motcua_app.areas import AREAS

install(AREAS)

# The kernel's factories, to be called once the areas are installed: the web app and a process runtime.
from motcua_platform.app import create_app  # noqa: E402
from motcua_platform.runtime import build_runtime  # noqa: E402

__all__ = ["build_runtime", "create_app"]
