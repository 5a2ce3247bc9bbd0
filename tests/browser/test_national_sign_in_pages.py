"""Sign-in with national identity in a real browser, against a real OpenID Connect provider (the npm package
oidc-provider on 127.0.0.1): the province's admin sets the provider up in the console; a person with no
account presses "Log in with VNeID" on the portal, signs in and consents on the provider's own pages, comes
back signed in to an account made from the identity, and submits a dossier that is marked identity-verified.
Looked at (axe-core, 375 and 1280 px)."""

from __future__ import annotations

import secrets

import pytest
from browser_support import apply_for_birth_registration, fill, t
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from oidc_support import CLIENT_ID, CLIENT_SECRET, start_provider
from sqlalchemy import select

NUMBER = f"0790{secrets.randbelow(10**8):08d}"
PERSON = {"name": "Phạm Thị Lan", "national_id": NUMBER, "email": f"lan.{NUMBER}@example.vn"}


@pytest.fixture(scope="module")
def provider(live):
    started = start_provider([live.url("/login/national/return")], {"lan": PERSON})
    yield started
    started.stop()


def test_a_person_signs_in_with_national_identity_and_submits_a_verified_dossier(open_browser, live, provider):
    from motcua_onestop.dossiers.models import Dossier

    _ = lambda msgid, **params: t("vi", msgid, **params)  # noqa: E731 - the page's own words

    # the province's admin sets the provider up in the console
    admin = open_browser("vi", width=1280)
    admin.goto("/console/login")
    fill(admin, {"email": f"admin@{live.tenant.slug}.test", "password": TEST_PASSWORD})
    admin.button(_("Log in")).click()
    admin.goto("/console/sign-in")
    assert live.url("/login/national/return") in admin.text()
    admin.page.get_by_label(_("Citizens may log in with national identity")).check()
    fill(
        admin,
        {
            "display_name": "VNeID",
            "issuer": provider.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": "openid profile email national_id",
        },
    )
    admin.look("console-settings")
    admin.button(_("Save")).click()
    assert _("The sign-in settings are saved.") in admin.text()

    # a person with no account yet
    tab = open_browser("vi")
    tab.goto("/login")
    tab.look("login")
    tab.link(_("Log in with %(name)s", name="VNeID")).click()
    page = tab.page
    assert page.url.startswith(provider.issuer)  # at the provider's own sign-in page
    page.locator('input[name="login"]').fill("lan")
    page.locator('input[name="password"]').fill("any password")
    page.locator('button[type="submit"]').click()
    page.locator('button[type="submit"]').click()  # the provider's consent: continue
    page.wait_for_url(live.url("/my/dossiers"))
    assert _("Welcome. An account was made for you from your national identity.") in tab.text()
    tab.look("signed-in")

    tab.goto("/my/account")
    assert "Phạm Thị Lan" in tab.text() and NUMBER in page.locator('[name="national_id"]').input_value()
    assert page.locator('[name="national_id"]').get_attribute("readonly") is not None
    tab.look("account")

    citizen = {"full_name": PERSON["name"], "national_id": NUMBER}
    code = apply_for_birth_registration(tab, "vi", citizen)
    with live.runtime.db.tenant_session(live.runtime.db.binding(live.tenant.slug)) as session:
        assert session.scalar(select(Dossier.identity_verified).where(Dossier.code == code)) is True
