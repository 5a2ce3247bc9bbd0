"""Sign-in with national identity against a real OpenID Connect provider (the npm package oidc-provider on
127.0.0.1): the province's admin sets it up, the person signs in at the provider's own pages, and the portal
links or creates the account by the identity number; a dossier submitted in that session is
identity-verified (766 item 4.5). A forged or reused state, a wrong nonce, an expired ID token and one that
fails its signature are each refused, with nothing but the refusal's audit record written."""

from __future__ import annotations

import datetime as dt
import re
import urllib.parse

import pytest
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.citizens.models import NO_PASSWORD, CitizenAccount, CitizenToken
from motcua_onestop.citizens.national_sign_in.models import CitizenIdentity
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.national_sync.models import NationalSyncOutbox
from motcua_onestop.statistics import indicators
from motcua_onestop.statistics.periods import Period
from motcua_platform.audit.models import TenantAuditEvent as AuditEvent
from oidc_support import CLIENT_ID, CLIENT_SECRET, sign_in_at_provider, start_provider
from portal_support import Browser, console_client, log_in, submit, text
from sqlalchemy import func, select, update
from test_portal_wizard import APPLY, BIRTH_FORM, PDF, choose_unit, complete_draft, fill_form, upload

HOST_RETURN = "http://alpha.motcua.test/login/national/return"
NEW_PERSON = {"name": "Trần Thị Mai", "national_id": "001199000123", "email": "mai@example.vn", "email_verified": True}
# an e-mail the provider did not verify is never taken as a login
UNCHECKED_EMAIL = {
    "name": "Lê Văn Hùng",
    "national_id": "001199000456",
    "email": "hung@example.vn",
    "email_verified": False,
}
SEEDED_PERSON = {"name": "Người Đã Đăng Ký", "national_id": "079090001111"}  # the seeded account's CCCD
NO_NUMBER = {"name": "Không Có Số"}


@pytest.fixture(scope="module")
def provider():
    started = start_provider(
        [HOST_RETURN, HOST_RETURN.replace("alpha", "beta")],
        {
            "mai": NEW_PERSON,
            "hung": UNCHECKED_EMAIL,
            "seeded": SEEDED_PERSON,
            "nonumber": NO_NUMBER,
            "bad": {"national_id": "12"},
            "wide": {"national_id": "٠٧٩٠٩٠٠٠١١١١"},  # Arabic-Indic digits: not a CCCD
        },
    )
    yield started
    started.stop()


def configure(api, provider, **changes) -> None:
    settings = {
        "enabled": True,
        "display_name": "VNeID",
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": "openid profile email national_id",
        "identity_claim": "national_id",
    }
    answer = api.put("/api/v1/identity-provider", json=settings | changes)
    assert answer.status_code == 200, answer.get_json()


@pytest.fixture
def configured(alpha, provider):
    configure(alpha, provider)
    provider.publish_own_keys()
    provider.id_token_seconds(3600)
    return provider


def browser(host_client, host: str) -> Browser:
    """A browser of its own on ``host``, reading English (the portal's messages are checked in it)."""
    return Browser(host_client(host))


def tenant_rows(runtime, query):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.execute(query).all()


def start(client, next_path: str | None = None) -> str:
    """Press the button: the portal redirects to the provider; return where it sends the browser."""
    path = "/login/national" + (f"?next={urllib.parse.quote(next_path)}" if next_path else "")
    answer = client.get(path)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return answer.headers["Location"]


def come_back(client, return_url: str):
    parts = urllib.parse.urlsplit(return_url)
    return client.get(parts.path + "?" + parts.query)


def refusals(runtime) -> list[str]:
    query = select(AuditEvent.details["reason"].astext).where(AuditEvent.action == "auth.national_sign_in_refused")
    return [reason for (reason,) in tenant_rows(runtime, query.order_by(AuditEvent.id))]


def counts(runtime) -> tuple[int, int, int]:
    """Accounts, linked identities and identity-verified sessions of the province."""
    return tenant_rows(
        runtime,
        select(
            select(func.count()).select_from(CitizenAccount).scalar_subquery(),
            select(func.count()).select_from(CitizenIdentity).scalar_subquery(),
            select(func.count()).where(CitizenToken.identity_verified).scalar_subquery(),
        ),
    )[0]


def test_the_authorization_request_carries_state_nonce_and_an_s256_pkce_challenge(host_client, seeded, configured):
    client = browser(host_client, seeded["alpha"].host)
    first, second = start(client), start(client)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(first).query)
    assert first.startswith(configured.issuer)
    assert query["response_type"] == ["code"] and query["client_id"] == [CLIENT_ID]
    assert query["redirect_uri"] == [HOST_RETURN] and query["code_challenge_method"] == ["S256"]
    assert "openid" in query["scope"][0].split()
    again = urllib.parse.parse_qs(urllib.parse.urlsplit(second).query)
    for fresh in ("state", "nonce", "code_challenge"):  # never reused between sign-ins
        assert len(query[fresh][0]) >= 43 and query[fresh] != again[fresh], fresh


def test_a_first_sign_in_creates_the_account_and_a_second_finds_it_again(runtime, host_client, seeded, configured):
    accounts_before = counts(runtime)[0]
    client = browser(host_client, seeded["alpha"].host)
    back = sign_in_at_provider(start(client, "/my/account"), "mai", redirect_prefix=HOST_RETURN)
    answer = come_back(client, back)
    assert answer.status_code == 303 and answer.headers["Location"] == "/my/account"
    page = client.get("/my/account")
    assert page.status_code == 200 and "Trần Thị Mai" in text(page)
    ((email, verified_at),) = tenant_rows(
        runtime,
        select(CitizenAccount.email, CitizenAccount.identity_verified_at).where(
            CitizenAccount.national_id == NEW_PERSON["national_id"]
        ),
    )
    assert email == "mai@example.vn" and verified_at is not None
    assert counts(runtime)[0] == accounts_before + 1
    created = select(func.count()).where(
        AuditEvent.action == "auth.national_sign_in", AuditEvent.details["first_time"].astext == "created"
    )
    assert tenant_rows(runtime, created) == [(1,)]

    # a second sign-in of the same person finds the same account through the linked identity
    again = browser(host_client, seeded["alpha"].host)
    assert come_back(again, sign_in_at_provider(start(again), "mai", redirect_prefix=HOST_RETURN)).status_code == 303
    assert counts(runtime)[0] == accounts_before + 1
    assert "Trần Thị Mai" in text(again.get("/my/account"))
    # an account made this way has no password: nobody logs in to it with one
    ((stored,),) = tenant_rows(
        runtime, select(CitizenAccount.password_hash).where(CitizenAccount.national_id == NEW_PERSON["national_id"])
    )
    assert stored == NO_PASSWORD and "no password" in text(again.get("/my/account"))


def test_an_e_mail_the_provider_did_not_verify_is_not_taken(runtime, host_client, seeded, configured):
    client = browser(host_client, seeded["alpha"].host)
    assert come_back(client, sign_in_at_provider(start(client), "hung", redirect_prefix=HOST_RETURN)).status_code == 303
    ((email, phone),) = tenant_rows(
        runtime,
        select(CitizenAccount.email, CitizenAccount.phone).where(
            CitizenAccount.national_id == UNCHECKED_EMAIL["national_id"]
        ),
    )
    assert (email, phone) == (None, None)


def test_a_password_account_with_the_same_number_is_linked_only_by_its_holder(runtime, host_client, seeded, configured):
    """Anyone may type a number at registration: a first national sign-in does not take over the account
    registered with it, but makes its own and says so; only the account's holder, signed in with its
    password, links an identity to it, and only one of the account's own number not linked elsewhere."""
    api = host_client(seeded["alpha"].host, seeded["alpha"].citizen_token)
    assert api.get("/api/v1/account").status_code == 200  # the password account's API session
    stranger = browser(host_client, seeded["alpha"].host)
    answer = come_back(stranger, sign_in_at_provider(start(stranger), "seeded", redirect_prefix=HOST_RETURN))
    assert answer.status_code == 303
    shown = text(stranger.get("/my/dossiers"))
    assert "An account registered with a password" in shown
    assert "citizen@alpha.test" not in text(stranger.get("/my/account"))
    assert api.get("/api/v1/account").status_code == 200  # nothing of the registered account changed
    ((linked_to,),) = tenant_rows(runtime, select(CitizenIdentity.citizen_id))
    assert linked_to != seeded["alpha"].citizen_id

    holder = browser(host_client, seeded["alpha"].host)
    log_in(holder, "citizen@alpha.test", TEST_PASSWORD)
    assert "Link my account with VNeID" in text(holder.get("/my/account"))
    # the identity already linked to the stranger's account is refused …
    back = sign_in_at_provider(start(holder, "/my/account"), "seeded", redirect_prefix=HOST_RETURN)
    assert come_back(holder, back).headers["Location"] == "/my/account"
    assert refusals(runtime)[-1] == "identity_linked_elsewhere"
    # … and so is an identity whose number is not the account's
    back = sign_in_at_provider(start(holder, "/my/account"), "mai", redirect_prefix=HOST_RETURN)
    assert come_back(holder, back).headers["Location"] == "/my/account"
    assert refusals(runtime)[-1] == "link_number_differs"
    assert api.get("/api/v1/account").status_code == 200


def test_the_holder_links_the_account_and_its_password_keeps_working(runtime, host_client, seeded, configured):
    api = host_client(seeded["alpha"].host, seeded["alpha"].citizen_token)
    holder = browser(host_client, seeded["alpha"].host)
    log_in(holder, "citizen@alpha.test", TEST_PASSWORD)
    back = sign_in_at_provider(start(holder, "/my/account"), "seeded", redirect_prefix=HOST_RETURN)
    answer = come_back(holder, back)
    assert answer.status_code == 303 and answer.headers["Location"] == "/my/account"
    page = text(holder.get("/my/account"))
    assert "citizen@alpha.test" in page and "linked to your national identity" in page
    assert api.get("/api/v1/account").status_code == 401  # opened on a number nobody had checked
    (linked,) = tenant_rows(runtime, select(CitizenIdentity.citizen_id, CitizenIdentity.issuer))
    assert tuple(linked) == (seeded["alpha"].citizen_id, configured.issuer)
    password = browser(host_client, seeded["alpha"].host)
    log_in(password, "citizen@alpha.test", TEST_PASSWORD)
    assert password.get("/my/account").status_code == 200
    # from now on a national sign-in of that person, from any browser, opens the registered account
    later = browser(host_client, seeded["alpha"].host)
    come_back(later, sign_in_at_provider(start(later), "seeded", redirect_prefix=HOST_RETURN))
    assert "citizen@alpha.test" in text(later.get("/my/account"))


def submit_birth(client, seeded) -> str:
    complete_draft(client, seeded)
    answer = submit(client, f"{APPLY}/review", action=f"{APPLY}/submit")
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return re.search(r"/my/dossiers/([^/]+)/submitted$", answer.headers["Location"]).group(1)


def test_a_dossier_submitted_after_a_national_sign_in_is_identity_verified_and_counts_for_4_5(
    runtime, host_client, seeded, alpha, configured
):
    verified_client = browser(host_client, seeded["alpha"].host)
    come_back(verified_client, sign_in_at_provider(start(verified_client), "seeded", redirect_prefix=HOST_RETURN))
    verified = submit_birth(verified_client, seeded)
    password_client = browser(host_client, seeded["alpha"].host)
    log_in(password_client, "citizen@alpha.test", TEST_PASSWORD)
    unverified = submit_birth(password_client, seeded)
    flags = dict(tenant_rows(runtime, select(Dossier.code, Dossier.identity_verified)))
    assert (flags[verified], flags[unverified]) == (True, False)

    officer = alpha.with_token(seeded["alpha"].tokens["officer"])
    for code in (verified, unverified):  # received: what 4.5 counts
        version = officer.get(f"/api/v1/dossiers/{code}").headers["ETag"]
        moved = officer.post(
            f"/api/v1/dossiers/{code}/transitions", json={"to_status": 2}, headers={"If-Match": version}
        )
        assert moved.status_code == 200, moved.get_json()
    today = dt.datetime.now(dt.UTC).date()
    period = Period("day", "today", today - dt.timedelta(days=1), today + dt.timedelta(days=2))
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        all_verified, all_received = indicators.identity_part(session, period)
        told = dict(
            session.execute(
                select(Dossier.code, func.min(NationalSyncOutbox.payload["TaiKhoanDuocXacThucVoiVNeID"].as_integer()))
                .join(Dossier, Dossier.id == NationalSyncOutbox.dossier_id)
                .where(Dossier.code.in_((verified, unverified)))
                .group_by(Dossier.code)
            ).all()
        )
    assert all_verified >= 1 and all_received >= all_verified + 1
    assert told == {verified: 1, unverified: 0}  # what the national portal is told, from intake on


def test_a_forged_state_is_refused_and_nothing_is_written(runtime, host_client, seeded, configured):
    before = counts(runtime)
    client = browser(host_client, seeded["alpha"].host)
    back = sign_in_at_provider(start(client), "mai", redirect_prefix=HOST_RETURN)
    forged = back.replace("state=", "state=forged")
    answer = come_back(client, forged)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert "did not succeed" in text(client.get("/login"))
    assert client.get("/my/account").status_code == 303  # not signed in
    assert counts(runtime) == before and refusals(runtime)[-1] == "state"
    # the genuine return, after the forged one spent the sign-in, is refused too (one return per sign-in)
    assert come_back(client, back).headers["Location"] == "/login"
    assert refusals(runtime)[-1] == "no_pending" and counts(runtime) == before


def test_a_return_in_another_browser_is_refused(runtime, host_client, seeded, configured):
    """The code and state of one browser's sign-in, replayed by another browser (a login CSRF)."""
    victim = browser(host_client, seeded["alpha"].host)
    attacker = browser(host_client, seeded["alpha"].host)
    back = sign_in_at_provider(start(attacker), "mai", redirect_prefix=HOST_RETURN)
    start(victim)  # the victim has a sign-in of its own under way
    assert come_back(victim, back).headers["Location"] == "/login"
    assert refusals(runtime)[-1] == "state" and victim.get("/my/account").status_code == 303


def test_a_wrong_nonce_is_refused(runtime, host_client, seeded, configured):
    before = counts(runtime)
    client = browser(host_client, seeded["alpha"].host)
    url = start(client)
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    query["nonce"] = "another-nonce-than-the-one-this-browser-keeps-000000"
    tampered = urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    answer = come_back(client, sign_in_at_provider(tampered, "mai", redirect_prefix=HOST_RETURN))
    assert answer.headers["Location"] == "/login"
    assert refusals(runtime)[-1] == "nonce" and counts(runtime) == before


def test_an_expired_id_token_is_refused(runtime, host_client, seeded, configured, monkeypatch):
    before = counts(runtime)
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(oidc_clock_skew_seconds=0))
    # the ID token is made when the code is exchanged, as the browser comes back: the provider makes it
    # already lapsed (its lifetime negative), which no leeway of ours hides
    configured.id_token_seconds(-5)
    client = browser(host_client, seeded["alpha"].host)
    back = sign_in_at_provider(start(client), "mai", redirect_prefix=HOST_RETURN)
    answer = come_back(client, back)
    assert answer.headers["Location"] == "/login"
    assert refusals(runtime)[-1] == "expired" and counts(runtime) == before


def test_an_id_token_the_published_keys_do_not_verify_is_refused(runtime, host_client, seeded, configured):
    before = counts(runtime)
    client = browser(host_client, seeded["alpha"].host)
    back = sign_in_at_provider(start(client), "mai", redirect_prefix=HOST_RETURN)
    configured.publish_other_keys()  # the key of the token's kid is now another key
    answer = come_back(client, back)
    assert answer.headers["Location"] == "/login"
    assert refusals(runtime)[-1] == "signature" and counts(runtime) == before


def test_a_person_the_provider_gives_no_identity_number_for_is_refused(runtime, host_client, seeded, configured):
    before = counts(runtime)
    for login in ("nonumber", "bad", "wide"):
        client = browser(host_client, seeded["alpha"].host)
        answer = come_back(client, sign_in_at_provider(start(client), login, redirect_prefix=HOST_RETURN))
        assert answer.headers["Location"] == "/login"
        assert refusals(runtime)[-1] == "identity_number"
    assert counts(runtime) == before


def test_cancelling_at_the_provider_says_so(runtime, host_client, seeded, configured):
    client = browser(host_client, seeded["alpha"].host)
    back = sign_in_at_provider(start(client), "mai", redirect_prefix=HOST_RETURN, consent=False)
    assert "error=access_denied" in back
    assert come_back(client, back).headers["Location"] == "/login"
    assert "You cancelled signing in" in text(client.get("/login"))
    assert refusals(runtime)[-1] == "provider_error:access_denied"


def test_password_accounts_keep_working_and_the_button_shows_only_when_configured(host_client, seeded, alpha, provider):
    client = browser(host_client, seeded["alpha"].host)
    assert "Log in with VNeID" not in text(client.get("/login"))
    assert client.get("/login/national").status_code == 404  # not configured: no such page
    log_in(client, "citizen@alpha.test", TEST_PASSWORD)
    assert client.get("/my/account").status_code == 200


def test_the_admin_settings_check_every_field_and_never_show_the_secret(alpha, host_client, seeded, provider):
    bad = alpha.put(
        "/api/v1/identity-provider",
        json={"enabled": True, "issuer": "ftp://x", "client_id": None, "scopes": "profile", "identity_claim": "a b"},
    )
    assert bad.status_code == 422, bad.get_json()
    assert set(bad.get_json()["errors"]) >= {"issuer", "client_id", "client_secret", "scopes", "identity_claim"}
    assert alpha.get("/api/v1/identity-provider").get_json()["enabled"] is False  # nothing saved
    unreachable = alpha.put(
        "/api/v1/identity-provider",
        json={"enabled": True, "issuer": "http://127.0.0.1:9", "client_id": "x", "client_secret": "s" * 20},
    )
    assert unreachable.status_code == 422 and "issuer" in unreachable.get_json()["errors"]
    saved = alpha.put(
        "/api/v1/identity-provider",
        json={"enabled": True, "issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
    )
    assert saved.status_code == 200
    shown = alpha.get("/api/v1/identity-provider").get_json()
    assert shown["client_secret_set"] is True and CLIENT_SECRET not in str(shown)
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert officer.get("/api/v1/identity-provider").status_code == 403
    assert (
        host_client(seeded["beta"].host, seeded["beta"].admin_token)
        .get("/api/v1/identity-provider")
        .get_json()["enabled"]
        is False
    )  # another province's setting is its own


def test_the_console_page_saves_the_settings_for_province_admins_only(host_client, seeded, provider, alpha):
    console = console_client(host_client, seeded["alpha"].host, "admin@alpha.test")
    page = console.get("/console/sign-in")
    assert page.status_code == 200 and HOST_RETURN in text(page)  # the address to register with the service
    wrong = submit(console, "/console/sign-in", {"enabled": "1", "display_name": "VNeID", "issuer": "http://x"})
    assert wrong.status_code == 422
    shown = text(wrong)
    assert 'href="#field-client_id"' in wrong.get_data(as_text=True) and "http://x" in shown  # typed value kept
    assert alpha.get("/api/v1/identity-provider").get_json()["enabled"] is False
    values = {
        "enabled": "1",
        "display_name": "VNeID",
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scopes": "openid profile national_id",
        "identity_claim": "national_id",
    }
    saved = submit(console, "/console/sign-in", values)
    assert saved.status_code == 303
    assert alpha.get("/api/v1/identity-provider").get_json()["client_secret_set"] is True
    assert CLIENT_SECRET not in console.get("/console/sign-in").get_data(as_text=True)
    # saved again without a secret: the stored one is kept
    assert submit(console, "/console/sign-in", {**values, "client_secret": ""}).status_code == 303
    assert alpha.get("/api/v1/identity-provider").get_json()["client_secret_set"] is True
    assert "Log in with VNeID" in text(browser(host_client, seeded["alpha"].host).get("/login"))
    officer = console_client(host_client, seeded["alpha"].host, "officer@alpha.test")
    assert officer.get("/console/sign-in").status_code == 403


def test_a_verified_account_cannot_change_its_identity_number(runtime, host_client, seeded, configured):
    client = browser(host_client, seeded["alpha"].host)
    come_back(client, sign_in_at_provider(start(client), "mai", redirect_prefix=HOST_RETURN))
    page = client.get("/my/account")
    assert "linked to your national identity" in text(page) and "no password" in text(page)
    changed = submit(
        client, "/my/account", {"full_name": "Trần Thị Mai", "email": "mai@example.vn", "national_id": "001199000999"}
    )
    assert changed.status_code == 422 and "cannot be changed" in text(changed)
    ((number,),) = tenant_rows(
        runtime, select(CitizenAccount.national_id).where(CitizenAccount.email == "mai@example.vn")
    )
    assert number == NEW_PERSON["national_id"]


def test_outside_test_runs_the_issuer_must_be_https_and_outside_our_networks(runtime):
    from motcua_onestop.citizens.national_sign_in import settings as sign_in_settings
    from motcua_platform.audit.services import Actor
    from motcua_platform.errors import InvalidInput

    admin = Actor("staff", 1, "admin@alpha.test", None)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        for issuer in ("http://sso.example.vn", "https://127.0.0.1:8443", "https://192.168.1.10"):
            with pytest.raises(InvalidInput) as refused:
                sign_in_settings.change(
                    session, admin, enabled=False, display_name="VNeID", issuer=issuer, client_id="x", local=False
                )
            assert "issuer" in refused.value.errors, issuer


def test_a_sign_in_started_on_one_province_is_refused_on_another(runtime, host_client, seeded, alpha, beta, configured):
    """One secret key signs every host's session cookie: a sign-in under way on alpha's portal, its cookie
    carried to beta's host (beta's admin could have set alpha up with a provider of their own), is refused
    there before anything is sent to any provider."""
    configure(beta, configured)
    on_alpha = browser(host_client, seeded["alpha"].host)
    back = sign_in_at_provider(start(on_alpha), "mai", redirect_prefix=HOST_RETURN)
    cookie = on_alpha.client._client.get_cookie("motcua_session", domain=seeded["alpha"].host)
    on_beta = browser(host_client, seeded["beta"].host)
    on_beta.client._client.set_cookie("motcua_session", cookie.value, domain=seeded["beta"].host)
    answer = come_back(on_beta, back)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    with runtime.db.tenant_session(runtime.db.binding("beta")) as session:
        reasons = session.scalars(
            select(AuditEvent.details["reason"].astext).where(AuditEvent.action == "auth.national_sign_in_refused")
        ).all()
        assert reasons == ["other_provider"]
        assert session.scalar(select(func.count()).select_from(CitizenIdentity)) == 0


def test_the_page_to_come_back_to_stays_on_this_host(host_client, seeded, configured):
    client = browser(host_client, seeded["alpha"].host)
    back = sign_in_at_provider(start(client, "//evil.example/x"), "mai", redirect_prefix=HOST_RETURN)
    assert come_back(client, back).headers["Location"] == "/my/dossiers"


def test_a_closed_account_is_not_opened(runtime, host_client, seeded, configured):
    first = browser(host_client, seeded["alpha"].host)
    come_back(first, sign_in_at_provider(start(first), "mai", redirect_prefix=HOST_RETURN))
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(
            update(CitizenAccount).where(CitizenAccount.national_id == NEW_PERSON["national_id"]).values(active=False)
        )
        session.commit()
    again = browser(host_client, seeded["alpha"].host)
    assert (
        come_back(again, sign_in_at_provider(start(again), "mai", redirect_prefix=HOST_RETURN)).headers["Location"]
        == "/login"
    )
    assert refusals(runtime)[-1] == "account_inactive" and again.get("/my/account").status_code == 303


def test_a_client_secret_the_provider_refuses_is_audited_with_its_answer(
    runtime, host_client, seeded, alpha, configured
):
    configure(alpha, configured, client_secret="not-the-secret-registered")
    client = browser(host_client, seeded["alpha"].host)
    assert (
        come_back(client, sign_in_at_provider(start(client), "mai", redirect_prefix=HOST_RETURN)).headers["Location"]
        == "/login"
    )
    ((reason, detail),) = tenant_rows(
        runtime,
        select(AuditEvent.details["reason"].astext, AuditEvent.details["detail"].astext)
        .where(AuditEvent.action == "auth.national_sign_in_refused")
        .order_by(AuditEvent.id.desc())
        .limit(1),
    )
    assert reason == "token_http" and "invalid_client" in detail and CLIENT_SECRET not in detail


def test_a_minimal_change_of_the_settings_is_accepted(alpha, provider):
    switched_off = alpha.put("/api/v1/identity-provider", json={"enabled": False})
    assert switched_off.status_code == 200 and switched_off.get_json()["issuer"] is None
    bad = alpha.put("/api/v1/identity-provider", json={"enabled": True, "issuer": "https://x:abc", "client_id": "c"})
    assert bad.status_code == 422 and "issuer" in bad.get_json()["errors"]


def test_applying_for_someone_else_is_not_identity_verified(runtime, host_client, seeded, configured):
    """The national field says the applicant's identity was checked: a verified person applying for another
    person (another identity number on the form) does not make that dossier verified."""
    client = browser(host_client, seeded["alpha"].host)
    come_back(client, sign_in_at_provider(start(client), "mai", redirect_prefix=HOST_RETURN))
    assert choose_unit(client, seeded["alpha"].units["commune_a"]).status_code == 303
    assert fill_form(client, BIRTH_FORM).status_code == 303  # the form names 079090001111, not Mai's number
    for index in range(3):
        assert upload(client, index, PDF, f"giay-to-{index}.pdf").status_code == 303
    answer = submit(client, f"{APPLY}/review", action=f"{APPLY}/submit")
    code = re.search(r"/my/dossiers/([^/]+)/submitted$", answer.headers["Location"]).group(1)
    assert tenant_rows(runtime, select(Dossier.identity_verified).where(Dossier.code == code)) == [(False,)]
