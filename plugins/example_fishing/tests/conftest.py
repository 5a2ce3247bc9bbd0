# The platform's fixtures (test_config, seeded, host_client, platform…) come with motcua-cloud (pytest11).
import pytest
from motcua_platform.plugins.engine import BUILT_IN


@pytest.fixture(scope="session")
def test_config(test_config):
    """The platform's test configuration, with this plugin added to the allow-list."""
    return test_config.with_overrides(plugins=(*BUILT_IN, "fishing"))
