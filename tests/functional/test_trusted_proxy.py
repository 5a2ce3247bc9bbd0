"""The client address that rate limits, lockouts and audit records use: behind MOTCUA_TRUSTED_PROXY_HOPS
proxies it is the one the nearest trusted proxy saw; with none trusted (the default) X-Forwarded-For is
ignored, so a caller cannot pick a fresh address for each attempt."""

import dataclasses

import pytest
from motcua_app import create_app
from motcua_app.testing.pytest_plugin import HostClient
from motcua_platform.config import ConfigError, load_config

BALANCER = "192.0.2.10"  # the socket's address behind the load balancer
WRONG = {"email": "finance@alpha.test", "password": "Wrong-passw0rd!"}


@pytest.fixture(scope="module")
def app_behind_balancer(runtime):
    """The same platform, configured for one load balancer in front (MOTCUA_TRUSTED_PROXY_HOPS=1)."""
    config = runtime.config.with_overrides(trusted_proxy_hops=1)
    return create_app(runtime=dataclasses.replace(runtime, config=config))


def login_via(client: HostClient, forwarded_for: str):
    return client.post(
        "/api/v1/auth/login",
        json=WRONG,
        headers={"X-Forwarded-For": forwarded_for},
        environ_base={"REMOTE_ADDR": BALANCER},
    )


def locked_events(alpha):
    return alpha.get("/api/v1/tenant-audit?action=auth.locked").get_json()


def test_behind_the_balancer_each_client_is_counted_on_its_own_address(app_behind_balancer, seeded, alpha):
    client = HostClient(app_behind_balancer, seeded["alpha"].host)
    # a client forging an entry gets it kept on the left; the balancer appends the address it saw
    codes = [login_via(client, f"198.51.100.{i}, 203.0.113.1").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]  # one client, locked out after 3 failures whatever it forged
    assert login_via(client, "203.0.113.2").status_code == 401  # another client is not
    (event,) = locked_events(alpha)
    assert event["remote_addr"] == "203.0.113.1"


def test_without_a_trusted_proxy_a_forged_header_is_ignored(app, seeded, alpha):
    client = HostClient(app, seeded["alpha"].host)
    codes = [login_via(client, f"203.0.113.{i}").status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]  # a new forged address each time does not reset the count
    (event,) = locked_events(alpha)
    assert event["remote_addr"] == BALANCER


def test_the_hop_count_is_validated():
    assert load_config({"MOTCUA_TRUSTED_PROXY_HOPS": "2"}).trusted_proxy_hops == 2
    assert load_config({}).trusted_proxy_hops == 0
    for bad in ("-1", "many", "9"):
        with pytest.raises(ConfigError, match="MOTCUA_TRUSTED_PROXY_HOPS"):
            load_config({"MOTCUA_TRUSTED_PROXY_HOPS": bad})
