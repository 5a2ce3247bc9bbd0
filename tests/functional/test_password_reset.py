"""Recovering a citizen account's password: a one-time code sent through the notification outbox to the
account's own e-mail (real SMTP on 127.0.0.1) and phone (log provider), the same answer for unknown
logins, expiry, attempts, superseded and used codes, the hourly cap, sessions ended and lockout cleared,
the password policy, tenant isolation and all-or-nothing writes."""

import dataclasses
import datetime as dt
import logging
import re
import time

import pytest
from dossier_support import intake_body
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_billing.usage.models import UsageOutbox
from motcua_onestop.citizens import recovery
from motcua_onestop.citizens.models import CitizenAccount, PasswordReset
from motcua_onestop.notifications.interfaces import LogSmsProvider
from motcua_onestop.notifications.models import NotificationOutbox
from motcua_onestop.notifications.services import FORGOTTEN, drain_tenant
from motcua_platform.db.base import utcnow
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

NEW = {
    "email": "Binh.Tran@Example.vn",
    "phone": "0987 654 321",
    "full_name": "Trần Văn Bình",
    "national_id": "001195012345",
    "password": "Hoa-mai-Tet-den-2026",
}
NEW_PASSWORD = "Cau-vong-sau-mua-2027"
REQUEST = "/api/v1/account/password-reset"
CONFIRM = "/api/v1/account/password-reset/confirm"
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def portal(host_client, seeded):
    return host_client(seeded["alpha"].host)


@pytest.fixture
def deferred(runtime, monkeypatch):
    """The on-demand drains the endpoint asks for (recorded here, not queued)."""
    calls = []
    monkeypatch.setattr(runtime.jobs, "defer", lambda task, **kwargs: calls.append((task, kwargs)))
    return calls


@pytest.fixture
def clock(monkeypatch):
    """The recovery service's clock, moved by the test."""
    state = {"now": utcnow()}
    monkeypatch.setattr(recovery, "utcnow", lambda: state["now"])
    return state


@pytest.fixture
def account(portal):
    response = portal.post("/api/v1/account/register", json=NEW)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ask(client, login=NEW["email"]):
    return client.post(REQUEST, json={"login": login})


def confirm(client, code, login=NEW["email"], new_password=NEW_PASSWORD):
    return client.post(CONFIRM, json={"login": login, "code": code, "new_password": new_password})


def login(client, identifier=NEW["email"], password=NEW["password"]):
    return client.post("/api/v1/account/login", json={"login": identifier, "password": password})


def rows(runtime, model, slug="alpha", **where):
    with runtime.db.tenant_session(runtime.db.binding(slug)) as session:
        query = select(model).order_by(model.id)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return session.scalars(query).all()


def sent_code(runtime, account_id, slug="alpha"):
    """The code in the newest e-mail queued for the account (before the drain forgets it)."""
    [*_, row] = rows(runtime, NotificationOutbox, slug, citizen_account_id=account_id, channel="email")
    return CODE.search(row.body).group(1)


def refused(response):
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["message"] == recovery.CODE_REFUSED and response.get_json()["errors"] == {}
    return True


def test_the_code_arrives_by_email_and_sms_and_resets_the_password(portal, account, runtime, smtp, deferred, alpha):
    inbox, mailer = smtp
    sessions = [login(portal).get_json()["token"], login(portal, "0987654321").get_json()["token"]]
    for _ in range(3):  # MOTCUA_LOGIN_MAX_FAILURES is 3 in tests: the account is locked
        assert login(portal, password="Wrong-passw0rd!").status_code == 401
    assert login(portal).status_code == 429

    # any spelling login accepts; the answer in the language asked for (the code goes out in the province's)
    accepted = portal.post(REQUEST, json={"login": "binh.tran@EXAMPLE.vn"}, headers={"Accept-Language": "vi"})
    assert accepted.status_code == 202 and "15 phút" in accepted.get_json()["message"]
    lock = "drain_notifications:alpha"
    drain = ("notifications:drain_tenant_notifications", {"queueing_lock": lock, "tenant": "alpha"})
    assert deferred == [drain]  # one waiting drain per tenant, however many requests
    sms = LogSmsProvider()
    assert drain_tenant(runtime.db, "alpha", mailer, sms).sent == 2
    [(recipients, message)] = inbox.messages
    assert recipients == ["binh.tran@example.vn"]  # the account's address, not a typed one
    assert "đặt lại mật khẩu" in str(message["Subject"])
    text = message.get_content()
    code = CODE.search(text).group(1)
    assert "Kính gửi Ông/Bà Trần Văn Bình" in text and "15 phút" in text
    [(phone, sms_text, _)] = sms.sent
    assert phone == "0987654321" and sms_text.startswith(f"{code} là mã")
    # nothing stored gives the code back: the reset keeps an HMAC, the sent messages forget their body
    [reset] = rows(runtime, PasswordReset, citizen_id=account["id"])
    assert code not in reset.code_hash and reset.used_at is None
    outbox = rows(runtime, NotificationOutbox, citizen_account_id=account["id"])
    assert {(r.status, r.body, r.dossier_id) for r in outbox} == {("sent", FORGOTTEN, None)}
    usage = [u.event_id for u in rows(runtime, UsageOutbox, metric_code="sms_sent")]
    assert f"notification:citizen:{account['id']}:password_reset:{reset.id}:sms" in usage  # SMS still billed

    assert confirm(portal, code, login="+84987654321").status_code == 204
    for token in sessions:  # every session of the account ended
        assert portal.with_token(token).get("/api/v1/account").status_code == 401
    assert login(portal).status_code == 401  # the old password is gone
    assert login(portal, password=NEW_PASSWORD).status_code == 201  # and the lockout with it
    [reset] = rows(runtime, PasswordReset, citizen_id=account["id"])
    assert reset.used_at is not None
    assert refused(confirm(portal, code, new_password="Mot-cau-khac-han-91"))  # used once only
    audit = alpha.get(f"/api/v1/tenant-audit?page_size=100&target=citizen:{account['id']}").get_json()
    events = {e["action"]: e for e in audit}
    assert events["auth.password_reset_requested"]["details"]["sent"] is True
    assert events["auth.password_reset"]["remote_addr"] and events["auth.password_reset_requested"]["remote_addr"]
    assert all(code not in str(e) and NEW_PASSWORD not in str(e) for e in audit)


def test_the_answer_is_the_same_whether_or_not_the_account_exists(portal, account, runtime, deferred):
    known = ask(portal)
    answers = [ask(portal, login) for login in ("nobody@example.vn", "0355 000 111", "not a login")]
    assert all((a.status_code, a.get_json()) == (known.status_code, known.get_json()) for a in answers)
    assert len(deferred) == 4  # the drain is asked for every time, so the timing says nothing either
    assert len(rows(runtime, PasswordReset)) == 1
    # and confirming for an unknown login is the same refusal as a wrong code
    assert refused(confirm(portal, "123456", login="nobody@example.vn"))
    assert refused(confirm(portal, "123456", login="0355 000 111"))


def test_an_inactive_account_gets_no_code(portal, account, runtime, deferred):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.get(CitizenAccount, account["id"]).active = False
        session.commit()
    assert ask(portal).status_code == 202
    assert (
        rows(runtime, PasswordReset) == [] and rows(runtime, NotificationOutbox, citizen_account_id=account["id"]) == []
    )


def test_a_phone_only_account_gets_the_code_by_sms(portal, runtime, deferred):
    body = {k: v for k, v in NEW.items() if k != "email"}
    created = portal.post("/api/v1/account/register", json=body).get_json()
    assert ask(portal, "84 987 654 321").status_code == 202
    [row] = rows(runtime, NotificationOutbox, citizen_account_id=created["id"])
    assert (row.channel, row.recipient, row.event) == ("sms", "0987654321", "password_reset")
    code = CODE.search(row.body).group(1)
    assert confirm(portal, code, login="0987654321").status_code == 204


def test_wrong_codes_are_counted_and_the_fifth_ends_the_code(portal, account, runtime, deferred):
    ask(portal)
    code = sent_code(runtime, account["id"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        assert refused(confirm(portal, wrong))
    assert rows(runtime, PasswordReset)[0].attempts == 4  # counted although each request failed
    assert confirm(portal, code).status_code == 204  # the fifth try may still be right

    ask(portal)
    code = sent_code(runtime, account["id"])
    for _ in range(5):
        assert refused(confirm(portal, "000000" if code != "000000" else "111111"))
    assert refused(confirm(portal, code))  # dead after five wrong codes
    assert login(portal, password=NEW_PASSWORD).status_code == 201  # the first reset's password still holds


def test_a_code_expires_after_fifteen_minutes(portal, account, runtime, deferred, clock):
    ask(portal)
    code = sent_code(runtime, account["id"])
    clock["now"] += dt.timedelta(minutes=15, seconds=1)
    assert refused(confirm(portal, code))
    clock["now"] -= dt.timedelta(seconds=2)  # just inside the 15 minutes
    assert confirm(portal, code).status_code == 204


def test_a_new_code_makes_the_earlier_ones_worthless(portal, account, runtime, deferred):
    ask(portal)
    first = sent_code(runtime, account["id"])
    ask(portal)
    second = sent_code(runtime, account["id"])
    if first != second:  # one chance in a million that the two codes are the same
        assert refused(confirm(portal, first))
    assert confirm(portal, second).status_code == 204
    codes_sent = rows(runtime, NotificationOutbox, citizen_account_id=account["id"], event="password_reset")
    keys = [r.idempotency_key for r in codes_sent]
    resets = [r.id for r in rows(runtime, PasswordReset)]
    assert keys == [f"citizen:{account['id']}:password_reset:{rid}:{c}" for rid in resets for c in ("email", "sms")]


def test_three_codes_an_hour_then_nothing_is_sent_and_nothing_said(portal, account, runtime, deferred, clock, alpha):
    answers = []
    for _ in range(4):
        answers.append(ask(portal))
        clock["now"] += dt.timedelta(minutes=1)
    assert len({(a.status_code, str(a.get_json())) for a in answers}) == 1 and answers[0].status_code == 202
    assert len(rows(runtime, PasswordReset)) == 3
    assert len(rows(runtime, NotificationOutbox, citizen_account_id=account["id"], event="password_reset")) == 6
    audit = alpha.get(f"/api/v1/tenant-audit?page_size=100&target=citizen:{account['id']}").get_json()
    sent = [e["details"]["sent"] for e in audit if e["action"] == "auth.password_reset_requested"]
    assert sorted(sent) == [False, True, True, True]
    # the refused fourth request did not supersede the third code
    assert confirm(portal, sent_code(runtime, account["id"])).status_code == 204
    clock["now"] += dt.timedelta(minutes=57)  # the first code is now more than an hour old
    assert ask(portal).status_code == 202 and len(rows(runtime, PasswordReset)) == 4
    assert len(rows(runtime, NotificationOutbox, citizen_account_id=account["id"], event="password_reset")) == 8


def test_the_password_policy_applies_and_spends_nothing(portal, account, runtime, deferred):
    ask(portal)
    code = sent_code(runtime, account["id"])
    weak = confirm(portal, code, new_password="short")
    assert weak.status_code == 422 and list(weak.get_json()["errors"]) == ["new_password"]
    weak_wrong = confirm(portal, "000000", new_password="short")  # says nothing about the code
    assert weak_wrong.get_json() == weak.get_json()
    [reset] = rows(runtime, PasswordReset)
    assert (reset.attempts, reset.used_at) == (0, None)
    assert login(portal).status_code == 201  # the old password still holds
    assert confirm(portal, code).status_code == 204


def test_a_password_built_on_the_account_is_refused_only_once_the_code_is_right(portal, account, runtime, deferred):
    """The account's own details (name, ID number) are checked only after the code: before it, "contains
    your ID number" would tell a stranger that the login has an account, and what its owner's number is."""
    ask(portal)
    code = sent_code(runtime, account["id"])
    by_id = "001195012345-cccd"
    assert refused(confirm(portal, "000000" if code != "000000" else "111111", new_password=by_id))
    personal = confirm(portal, code, new_password=by_id)
    assert personal.status_code == 422
    assert "Password contains your ID number." in personal.get_json()["errors"]["new_password"]
    by_province = confirm(portal, "000000", new_password="Tinh-Alpha-2026")  # checked first, code or not
    assert "Password contains the name of the province." in by_province.get_json()["errors"]["new_password"]
    assert confirm(portal, code).status_code == 204  # the right code was not spent by the refusals


def test_a_code_from_one_province_does_not_work_on_another(host_client, seeded, runtime, deferred):
    """alpha and beta hold the same citizen (same id, same login): a code asked on alpha is alpha's only."""
    alpha_portal, beta_portal = host_client(seeded["alpha"].host), host_client(seeded["beta"].host)
    assert ask(alpha_portal, "citizen@alpha.test").status_code == 202
    code = sent_code(runtime, seeded["alpha"].citizen_id)
    assert refused(confirm(beta_portal, code, login="0912345678"))
    assert rows(runtime, PasswordReset, "beta") == []
    assert confirm(alpha_portal, code, login="0912345678").status_code == 204
    assert login(beta_portal, "0912345678", TEST_PASSWORD).status_code == 201  # beta's password unchanged
    assert login(alpha_portal, "0912345678", TEST_PASSWORD).status_code == 401


def test_a_failure_half_way_writes_nothing(portal, account, runtime, deferred, monkeypatch):
    token = login(portal).get_json()["token"]

    def broken(*args, **kwargs):
        raise RuntimeError("the audit log is down")

    monkeypatch.setattr(recovery, "record", broken)  # the last write of both requests fails
    assert ask(portal).status_code == 500
    assert (
        rows(runtime, PasswordReset) == [] and rows(runtime, NotificationOutbox, citizen_account_id=account["id"]) == []
    )
    monkeypatch.undo()
    monkeypatch.setattr(runtime.jobs, "defer", lambda task, **kwargs: None)
    ask(portal)
    code = sent_code(runtime, account["id"])
    monkeypatch.setattr(recovery, "record", broken)
    assert confirm(portal, code).status_code == 500
    [reset] = rows(runtime, PasswordReset)
    assert reset.used_at is None and reset.attempts == 0
    assert portal.with_token(token).get("/api/v1/account").status_code == 200  # the session was not ended
    assert login(portal).status_code == 201  # nor the password changed


def test_when_the_drain_cannot_be_deferred_the_code_still_waits_in_the_outbox(
    portal, account, runtime, monkeypatch, caplog
):
    def down(task, **kwargs):
        raise ConnectionError("job queue unreachable")

    monkeypatch.setattr(runtime.jobs, "defer", down)
    with caplog.at_level(logging.ERROR, logger="motcua_onestop.citizens.api"):
        assert ask(portal).status_code == 202
    assert "periodic drain will send the code" in caplog.text
    assert len(rows(runtime, NotificationOutbox, citizen_account_id=account["id"], status="pending")) == 2


def test_requests_and_confirmations_share_the_login_budget(portal, runtime, deferred):
    limit = runtime.config.account_attempts_per_minute
    # The count is per clock minute: start early in one, so the requests below fall in the same window
    # even on a loaded machine (a run straddling two minutes would be allowed its second minute's share).
    left = 60 - time.time() % 60
    if left < 30:
        time.sleep(left + 0.1)
    codes = [ask(portal, "nobody@example.vn").status_code for _ in range(limit // 2)]
    codes += [confirm(portal, "123456", login="nobody@example.vn").status_code for _ in range(limit - limit // 2)]
    assert codes == [202] * (limit // 2) + [422] * (limit - limit // 2)
    assert ask(portal).status_code == 429 and login(portal).status_code == 429


def test_an_outbox_row_has_exactly_one_owner(runtime, host_client, seeded, account):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    dossier = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()
    base = {"event": "password_reset", "channel": "sms", "recipient": "0987654321", "subject": "s", "body": "b"}
    for owner in ({}, {"dossier_id": dossier["id"], "citizen_account_id": account["id"]}):
        with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
            session.add(NotificationOutbox(**base, **owner, idempotency_key="x"))
            with pytest.raises(IntegrityError, match="ck_notification_outbox_owner"):
                session.flush()
            session.rollback()


def test_wrong_codes_are_limited_per_account_across_codes_and_days(
    portal, account, runtime, deferred, clock, monkeypatch
):
    """Asking for new codes does not buy a guesser new tries: 10 wrong codes in a day end recovery for the
    rest of that day (no code sent, the right code refused), and five codes a day at most. (The per-address
    budget, which would stop this one client first, is lifted: many addresses may try one account.)"""
    monkeypatch.setattr(runtime, "config", dataclasses.replace(runtime.config, account_attempts_per_minute=10_000))
    for _ in range(2):
        ask(portal)
        code = sent_code(runtime, account["id"])
        for _ in range(5):
            assert refused(confirm(portal, "000000" if code != "000000" else "111111"))
        clock["now"] += dt.timedelta(hours=2)  # past the hourly cap
    assert ask(portal).status_code == 202
    assert len(rows(runtime, PasswordReset)) == 2  # nothing sent: 10 wrong tries today
    clock["now"] += dt.timedelta(hours=20)  # the first code is more than a day old: 5 wrong tries left
    assert ask(portal).status_code == 202 and len(rows(runtime, PasswordReset)) == 3
    code = sent_code(runtime, account["id"])
    for _ in range(5):
        assert refused(confirm(portal, "000000" if code != "000000" else "111111"))
    assert refused(confirm(portal, code))

    clock["now"] += dt.timedelta(days=2)  # a new day: five codes, then no more that day
    for _ in range(6):
        ask(portal)
        clock["now"] += dt.timedelta(hours=1, minutes=1)
    assert len(rows(runtime, PasswordReset)) == 3 + 5


def test_a_password_or_contact_change_cancels_outstanding_codes(portal, account, runtime, deferred):
    token = login(portal).get_json()["token"]
    ask(portal)
    code = sent_code(runtime, account["id"])
    changed = portal.post(
        "/api/v1/account/password",
        json={"current_password": NEW["password"], "new_password": "Bien-xanh-cat-trang-2028"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert changed.status_code == 204, changed.get_json()
    assert refused(confirm(portal, code))  # sent before the owner changed the password

    ask(portal)
    code = sent_code(runtime, account["id"])
    moved = portal.patch(
        "/api/v1/account", json={"email": "binh.moi@example.vn"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert moved.status_code == 200, moved.get_json()
    assert refused(confirm(portal, code, login="binh.moi@example.vn"))  # sent to the address just left


def test_a_code_never_reaches_the_log_and_a_dead_one_is_not_sent(portal, account, runtime, deferred, caplog):
    ask(portal)
    code = sent_code(runtime, account["id"])
    sms = LogSmsProvider()
    with caplog.at_level(logging.INFO, logger="motcua_onestop.notifications.interfaces"):
        drain_tenant(runtime.db, "alpha", None, sms)  # SMS only: no mailer
    assert code in sms.sent[0][1]  # the gateway gets it
    assert "withheld" in caplog.text and code not in caplog.text
    email = rows(runtime, NotificationOutbox, citizen_account_id=account["id"], channel="email")[0]
    assert email.status == "pending" and code in email.body  # waiting for a mailer
    later = utcnow() + recovery.CODE_TTL + dt.timedelta(seconds=1)
    report = drain_tenant(runtime.db, "alpha", None, LogSmsProvider(), now=later)
    assert report.sent == 0
    email = rows(runtime, NotificationOutbox, citizen_account_id=account["id"], channel="email")[0]
    assert (email.status, email.body, email.last_error) == ("failed", FORGOTTEN, "expired before it was sent")


def test_the_owner_is_told_when_a_code_reset_the_password(portal, account, runtime, deferred):
    """A reset by someone holding one of the account's e-mail or phone must not go unnoticed: both get a
    notice (no secret in it); a refused attempt sends nothing."""
    ask(portal)
    code = sent_code(runtime, account["id"])
    assert refused(confirm(portal, "000000" if code != "000000" else "111111"))
    notices = rows(runtime, NotificationOutbox, citizen_account_id=account["id"], event="password_changed")
    assert notices == []
    assert confirm(portal, code).status_code == 204
    notices = rows(runtime, NotificationOutbox, citizen_account_id=account["id"], event="password_changed")
    assert sorted((n.channel, n.recipient) for n in notices) == [
        ("email", "binh.tran@example.vn"),
        ("sms", "0987654321"),
    ]
    assert all("đã được đặt lại" in n.body and code not in n.body for n in notices)
