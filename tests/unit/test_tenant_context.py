"""The tenant context and the public URL every link is built on: which host, which scheme."""

import dataclasses

import pytest
from motcua_platform.config import ConfigError, load_config
from motcua_platform.tenancy import TenantInfo
from motcua_platform.tenant_context import context_of

INFO = TenantInfo(
    id=7,
    slug="daklak",
    name="Tỉnh Đắk Lắk",
    status="active",
    display_name="Đắk Lắk",
    locale="vi",
    timezone="Asia/Ho_Chi_Minh",
    logo_url=None,
    primary_color="#b71c1c",
    secondary_color="#ffc107",
    binding=None,
    plugins={"civil_status": {"fee": 1}, "land": {}},
)


def test_the_public_url_is_the_slug_host_or_the_primary_custom_domain_with_the_configured_scheme():
    production = load_config({"MOTCUA_BASE_DOMAIN": "motcua.vn", "MOTCUA_PUBLIC_SCHEME": "HTTPS"})
    assert context_of(INFO, production, {"land"}).public_url == "https://daklak.motcua.vn"
    custom = dataclasses.replace(INFO, primary_domain="dichvucong.daklak.gov.vn")
    context = context_of(custom, production, {"land"})
    assert context.public_url == "https://dichvucong.daklak.gov.vn"
    assert context.link("/api/v1/track/X-1") == "https://dichvucong.daklak.gov.vn/api/v1/track/X-1"
    # development (scheme unset): http on the port gunicorn listens on, so links open on this machine
    development = load_config({"MOTCUA_BIND": "127.0.0.1:8123"})
    assert context_of(INFO, development, {"land"}).public_url == "http://daklak.motcua.localhost:8123"


def test_the_context_carries_the_enabled_plugins_this_process_loads_and_the_tenant_facts():
    context = context_of(INFO, load_config({}), {"land", "construction"})
    assert context.plugins == {"land": {}} and context.enabled == ("land",)
    assert (context.id, context.slug, context.name, context.display_name) == (7, "daklak", "Tỉnh Đắk Lắk", "Đắk Lắk")
    assert context.locale == "vi" and context.zone.key == "Asia/Ho_Chi_Minh"
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.slug = "other"


def test_the_public_scheme_is_https_or_http():
    with pytest.raises(ConfigError) as info:
        load_config({"MOTCUA_PUBLIC_SCHEME": "ftp"})
    assert "MOTCUA_PUBLIC_SCHEME" in info.value.problems
