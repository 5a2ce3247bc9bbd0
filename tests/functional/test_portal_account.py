"""A citizen's account on the portal's pages, through real HTTP and the session cookie: the profile with
inline errors that keep what was typed, the password change ending the other browsers' sessions, and
password recovery with the code from the outbox (the same answer for a login that has no account)."""

import html
import re

import pytest
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.notifications.models import NotificationOutbox
from portal_support import input_value, log_in, submit, text
from sqlalchemy import select

EMAIL = "citizen@alpha.test"
NEW_PASSWORD = "Cau-vong-sau-mua-2027"
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def deferred(runtime, monkeypatch):
    """The notification drains the recovery asks for (recorded, not queued)."""
    calls = []
    monkeypatch.setattr(runtime.jobs, "defer", lambda task, **kwargs: calls.append((task, kwargs)))
    return calls


def browser(host_client, seeded, password=TEST_PASSWORD):
    client = host_client(seeded["alpha"].host, language="vi")
    log_in(client, EMAIL, password)
    return client


def signed_in(client) -> bool:
    response = client.get("/my/account")
    return response.status_code == 200


def sent_code(runtime, account_id):
    """The code in the newest e-mail queued for the account."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        query = select(NotificationOutbox).where(
            NotificationOutbox.citizen_account_id == account_id, NotificationOutbox.channel == "email"
        )
        rows = session.scalars(query.order_by(NotificationOutbox.id)).all()
    return CODE.search(rows[-1].body).group(1)


def test_anonymous_visitors_open_the_public_pages(host_client, seeded):
    anonymous = host_client(seeded["alpha"].host, language="vi")
    for path in ("/", "/login", "/register", "/password-reset", "/password-reset/confirm"):
        assert anonymous.get(path).status_code == 200, path
    assert 'href="/password-reset"' in anonymous.get("/login").get_data(as_text=True)  # "Forgot your password?"


def test_profile_errors_are_inline_and_keep_what_was_typed(host_client, seeded):
    client = browser(host_client, seeded)
    page = client.get("/my/account").get_data(as_text=True)
    assert input_value(page, "email") == EMAIL
    typed = {"full_name": "Nguyễn Văn Mới", "email": "not-an-e-mail", "phone": "0912345678", "national_id": ""}
    bad = submit(client, "/my/account", typed)
    assert bad.status_code == 422
    shown = bad.get_data(as_text=True)
    assert 'id="error-summary"' in shown and 'href="#field-email"' in shown
    assert re.search(r'<input id="field-email"[^>]*aria-invalid="true"', shown)
    assert "Địa chỉ e-mail không hợp lệ" in text(bad)
    assert input_value(shown, "full_name") == "Nguyễn Văn Mới" and input_value(shown, "email") == "not-an-e-mail"
    assert re.search(r'<input id="field-national_id"[^>]*aria-invalid="true"', shown)  # a citizen needs the CCCD
    api = host_client(seeded["alpha"].host, seeded["alpha"].citizen_token)
    assert api.get("/api/v1/account").get_json()["full_name"] != "Nguyễn Văn Mới"  # nothing saved

    national_id = api.get("/api/v1/account").get_json()["national_id"]
    saved = submit(client, "/my/account", typed | {"email": "moi@example.vn", "national_id": national_id})
    assert saved.status_code == 303 and saved.headers["Location"].endswith("/my/account")
    account = api.get("/api/v1/account").get_json()
    assert (account["full_name"], account["email"]) == ("Nguyễn Văn Mới", "moi@example.vn")
    assert "Thông tin của bạn đã được lưu" in text(client.get("/my/account"))

    english = submit(client, "/my/account?lang=en", {**typed, "full_name": ""}, action="/my/account")
    assert english.status_code == 422 and "There is a problem" in text(english)


def test_a_password_change_logs_out_the_other_browsers(host_client, seeded):
    here, elsewhere = browser(host_client, seeded), browser(host_client, seeded)
    wrong = submit(
        here,
        "/my/account/password",
        {"current_password": "Not-my-password-1", "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert re.search(r'<input id="field-current_password"[^>]*aria-invalid="true"', wrong.get_data(as_text=True))
    assert "Mật khẩu hiện tại không đúng" in text(wrong)
    assert signed_in(elsewhere)  # nothing changed yet

    body = {"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    changed = submit(here, "/my/account/password", body)
    assert changed.status_code == 303
    assert signed_in(here)  # this browser stays
    ended = elsewhere.get("/my/dossiers")
    assert ended.status_code == 303 and "/login?next=/my/dossiers" in ended.headers["Location"]
    assert "Phiên làm việc đã hết" in text(elsewhere.get(ended.headers["Location"]))
    browser(host_client, seeded, NEW_PASSWORD)  # the new password logs in


def test_recovery_answers_the_same_and_the_code_sets_a_new_password(host_client, seeded, runtime, deferred):
    anonymous = host_client(seeded["alpha"].host, language="vi")
    other_browser = browser(host_client, seeded)

    answers = []
    for login in ("nobody@example.vn", EMAIL):
        asked = submit(anonymous, "/password-reset", {"login": login})
        assert asked.status_code == 303 and asked.headers["Location"].endswith("/password-reset/confirm")
        page = anonymous.get(asked.headers["Location"])
        shown = page.get_data(as_text=True)
        assert input_value(shown, "login") == login  # carried to the next page
        answers.append(re.search(r'<div class="notice notice-success"[^>]*>(.*?)</div>', shown, re.S).group(1))
    assert answers[0] == answers[1] and "15 phút" in html.unescape(answers[0])  # the same words either way
    assert len(deferred) == 2  # a drain asked for each time, as the API does

    code = sent_code(runtime, seeded["alpha"].citizen_id)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    form = {"login": EMAIL, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    refused = submit(anonymous, "/password-reset/confirm", form | {"code": wrong})
    assert refused.status_code == 422
    assert re.search(r'<input id="field-code"[^>]*aria-invalid="true"', refused.get_data(as_text=True))
    assert input_value(refused.get_data(as_text=True), "login") == EMAIL

    done = submit(anonymous, "/password-reset/confirm", form | {"code": code})
    assert done.status_code == 303 and done.headers["Location"].endswith("/login")
    assert "Hãy đăng nhập bằng mật khẩu mới" in text(anonymous.get("/login"))
    assert not signed_in(other_browser)  # the reset ended every session of the account
    browser(host_client, seeded, NEW_PASSWORD)


def test_recovery_in_english(host_client, seeded, deferred):
    anonymous = host_client(seeded["alpha"].host, language="vi")
    page = text(anonymous.get("/password-reset?lang=en"))
    assert "Forgot your password?" in page and "Send me a code" in page
    asked = submit(anonymous, "/password-reset", {"login": "nobody@example.vn"})
    assert "a code is on its way" in text(anonymous.get(asked.headers["Location"]))
    empty = submit(anonymous, "/password-reset/confirm", {"login": "nobody@example.vn"})
    assert empty.status_code == 422 and "Enter the code you received." in text(empty)
