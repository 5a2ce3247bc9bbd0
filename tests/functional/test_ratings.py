"""Satisfaction ratings (issue 16, item 3) through real HTTP: the applicant rates the processing once the
result is ready, once, through the citizen API, on their dossier's page, or without signing in through the
link the result message carries; bad input is refused with nothing recorded; a forged or expired link is a
404; the database keeps only the link's hash."""

import hashlib
import re

import pytest
from dossier_support import citizen_client, intake_body, move
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.notifications.interfaces import LogSmsProvider
from motcua_onestop.notifications.services import drain_tenant
from portal_support import console_client, csrf_token, fresh_address, log_in, submit, text
from sqlalchemy import text as sql

RATE_LINK = re.compile(r"https?://[^\s]+/rate/([A-Za-z0-9_\-]+)")


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def api(host_client, seeded):
    return citizen_client(host_client, seeded)


@pytest.fixture
def code(api, seeded):
    response = api.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def finish(officer, code):
    """Received, processed and finished (its result ready)."""
    for status, version in ((2, 1), (4, 2), (9, 3)):
        response = move(officer, code, status, version)
        assert response.status_code == 200, response.get_json()


def own(api, code):
    return api.get(f"/api/v1/my/dossiers/{code}").get_json()


def stored(runtime, query, **params):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.execute(sql(query), params).all()


def ratings_of(runtime, code):
    return stored(
        runtime,
        "SELECT r.level, r.comment, r.via FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id"
        " WHERE d.code = :code",
        code=code,
    )


def rating_token(runtime, code):
    """The token of the rating link the result message carries (the SMS to the applicant's phone)."""
    rows = stored(
        runtime,
        "SELECT o.body FROM notification_outbox o JOIN dossiers d ON d.id = o.dossier_id"
        " WHERE d.code = :code AND o.event = 'done'",
        code=code,
    )
    assert len(rows) == 1, rows
    return RATE_LINK.search(rows[0].body).group(1)


def test_the_applicant_rates_once_through_the_api_after_the_result(api, officer, runtime, code):
    assert own(api, code)["can_rate"] is False and own(api, code)["rating"] is None
    early = api.post(f"/api/v1/my/dossiers/{code}/rating", json={"level": 4})
    assert early.status_code == 409  # no result yet
    finish(officer, code)
    assert own(api, code)["can_rate"] is True

    refusals = (
        {"level": 5},
        {"level": 0},
        {"level": "4x"},
        {"level": 3.7},
        {"level": "3"},
        {"level": "٣"},
        {"level": True},
        {},
        {"level": 3, "comment": "x" * 2001},
    )
    for body in refusals:
        refused = api.post(f"/api/v1/my/dossiers/{code}/rating", json=body)
        assert refused.status_code == 422, (body, refused.get_json())
    assert ratings_of(runtime, code) == []

    rated = api.post(f"/api/v1/my/dossiers/{code}/rating", json={"level": 3, "comment": "  Nhanh, chu đáo  "})
    assert rated.status_code == 201, rated.get_json()
    assert rated.get_json() | {"rated_at": None} == {
        "level": 3,
        "comment": "Nhanh, chu đáo",
        "via": "portal",
        "rated_at": None,
    }
    dossier = own(api, code)
    assert dossier["can_rate"] is False and dossier["rating"]["level"] == 3
    again = api.post(f"/api/v1/my/dossiers/{code}/rating", json={"level": 1})
    assert again.status_code == 409
    assert ratings_of(runtime, code) == [(3, "Nhanh, chu đáo", "portal")]
    audit = stored(runtime, "SELECT action, target FROM audit_events WHERE action = 'dossier.rated'")
    assert [tuple(row) for row in audit] == [("dossier.rated", f"dossier:{code}")]


@pytest.fixture
def stranger(host_client, seeded):
    """Another citizen account of the same province."""
    portal = host_client(seeded["alpha"].host)
    account = {"email": "la@example.vn", "full_name": "Người Lạ", "national_id": "001195012345"}
    assert portal.post("/api/v1/account/register", json={**account, "password": TEST_PASSWORD}).status_code == 201
    token = portal.post("/api/v1/account/login", json={"login": account["email"], "password": TEST_PASSWORD})
    return portal.with_token(token.get_json()["token"])


def test_someone_else_s_dossier_cannot_be_rated(host_client, seeded, stranger, officer, runtime, code):
    finish(officer, code)
    assert stranger.post(f"/api/v1/my/dossiers/{code}/rating", json={"level": 4}).status_code == 404
    browser = host_client(seeded["alpha"].host, language="en")
    log_in(browser, "la@example.vn", TEST_PASSWORD)
    form_token = csrf_token(browser.get("/my/dossiers").get_data(as_text=True))
    page = browser.post(f"/my/dossiers/{code}/rating", data={"level": "4", "csrf_token": form_token})
    assert page.status_code == 404
    staff = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    assert staff.post(f"/api/v1/my/dossiers/{code}/rating", json={"level": 4}).status_code in (401, 403)
    assert ratings_of(runtime, code) == []


def test_a_returned_result_is_rated_and_an_empty_comment_is_none(api, officer, runtime, code):
    finish(officer, code)
    assert move(officer, code, 10, 4).status_code == 200  # the result returned
    rated = api.post(f"/api/v1/my/dossiers/{code}/rating", json={"level": 4, "comment": "  \n "})
    assert rated.status_code == 201 and rated.get_json()["comment"] is None
    assert ratings_of(runtime, code) == [(4, None, "portal")]


def test_the_result_message_s_link_rates_without_signing_in(host_client, seeded, api, officer, runtime, code):
    finish(officer, code)
    token = rating_token(runtime, code)
    links = stored(runtime, "SELECT token_sha256 FROM dossier_rating_links")
    assert [row.token_sha256 for row in links] == [hashlib.sha256(token.encode()).hexdigest()]  # not the token

    visitor = host_client(seeded["alpha"].host, language="vi")
    page = visitor.get(f"/rate/{token}")
    assert page.status_code == 200
    assert code in text(page) and "Rất hài lòng" in text(page) and "Rất không hài lòng" in text(page)
    form_token = csrf_token(page.get_data(as_text=True))

    missing = submit(visitor, f"/rate/{token}", {"comment": "Tốt"})
    assert missing.status_code == 422 and "Hãy chọn một trong bốn mức" in text(missing)
    assert ratings_of(runtime, code) == []

    unsafe = submit(visitor, f"/rate/{token}", {"level": "4", "comment": "Tốt\x00"})
    assert unsafe.status_code == 422 and 'id="error-comment"' in text(unsafe)
    assert ratings_of(runtime, code) == []

    done = submit(visitor, f"/rate/{token}", {"level": "4", "comment": "Tốt lắm"})
    assert done.status_code == 303
    shown = text(visitor.get(f"/rate/{token}"))
    assert "Hồ sơ này đã được đánh giá" in shown and 'name="level"' not in shown
    assert "Tốt lắm" not in shown  # the link only rates: what was said is not shown to its holder
    assert ratings_of(runtime, code) == [(4, "Tốt lắm", "link")]
    accounts = stored(runtime, "SELECT citizen_account_id FROM dossier_ratings")
    assert [row.citizen_account_id for row in accounts] == [None]  # whoever held the link, not the account
    assert own(api, code)["rating"]["via"] == "link"

    again = visitor.post(f"/rate/{token}", data={"level": "1", "csrf_token": form_token})  # a second tab
    assert again.status_code == 409 and "Hồ sơ này đã được đánh giá" in text(again)
    assert ratings_of(runtime, code) == [(4, "Tốt lắm", "link")]


def test_a_forged_or_expired_link_is_not_found(host_client, seeded, officer, runtime, code):
    finish(officer, code)
    token = rating_token(runtime, code)
    visitor = host_client(seeded["alpha"].host)
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B"), "short", "x" * 65, "Đ" * 20):
        assert visitor.get(f"/rate/{forged}").status_code == 404
    other_province = host_client(seeded["beta"].host)
    assert other_province.get(f"/rate/{token}").status_code == 404  # another tenant's link
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        session.execute(sql("UPDATE dossier_rating_links SET expires_at = now() - interval '1 second'"))
        session.commit()
    assert visitor.get(f"/rate/{token}").status_code == 404
    form_token = csrf_token(visitor.get("/login").get_data(as_text=True))  # a form of the same browser
    assert visitor.post(f"/rate/{token}", data={"level": "4", "csrf_token": form_token}).status_code == 404
    assert ratings_of(runtime, code) == []


def test_the_signed_in_applicant_rates_on_the_dossier_page(host_client, seeded, officer, runtime, code):
    browser = host_client(seeded["alpha"].host, language="en")
    log_in(browser, "citizen@alpha.test", TEST_PASSWORD)
    assert 'id="rating"' not in browser.get(f"/my/dossiers/{code}").get_data(as_text=True)  # no result yet
    finish(officer, code)
    page = text(browser.get(f"/my/dossiers/{code}"))
    assert "Rate the service" in page and "Very satisfied" in page

    long = submit(
        browser, f"/my/dossiers/{code}", {"level": "2", "comment": "y" * 2001}, action=f"/my/dossiers/{code}/rating"
    )
    assert long.status_code == 422 and "At most 2000 characters." in text(long)
    assert 'value="2" id="level-2" checked' in text(long)  # what was chosen is kept
    assert ratings_of(runtime, code) == []

    rated = submit(
        browser, f"/my/dossiers/{code}", {"level": "2", "comment": "Chậm"}, action=f"/my/dossiers/{code}/rating"
    )
    assert rated.status_code == 303 and rated.headers["Location"].endswith(f"/my/dossiers/{code}#rating")
    after = text(browser.get(f"/my/dossiers/{code}"))
    assert "Your rating: <strong>Dissatisfied</strong>" in after and "Chậm" in after
    assert ratings_of(runtime, code) == [(2, "Chậm", "portal")]


def test_the_office_sees_the_applicant_s_rating(host_client, api, officer, runtime, code):
    finish(officer, code)
    assert officer.get(f"/api/v1/dossiers/{code}").get_json()["rating"] is None
    assert api.post(f"/api/v1/my/dossiers/{code}/rating", json={"level": 1, "comment": "Quá chậm"}).status_code == 201
    shown = officer.get(f"/api/v1/dossiers/{code}").get_json()["rating"]
    assert shown | {"rated_at": None} == {"level": 1, "comment": "Quá chậm", "via": "portal", "rated_at": None}

    console = host_client(officer.host, language="en")
    logged_in = submit(
        console,
        "/console/login",
        {"email": "officer@alpha.test", "password": TEST_PASSWORD},
        environ_base={"REMOTE_ADDR": fresh_address()},
    )
    assert logged_in.status_code == 303
    page = text(console.get(f"/console/dossiers/{code}"))
    assert "Applicant's rating" in page and "<strong>Very dissatisfied</strong>" in page and "“Quá chậm”" in page


def test_the_sent_result_message_forgets_its_rating_link(api, officer, runtime, code):
    finish(officer, code)
    token = rating_token(runtime, code)
    sms = LogSmsProvider()
    assert drain_tenant(runtime.db, "alpha", None, sms).sent >= 1
    [(phone, sent, _reference)] = [message for message in sms.sent if token in message[1]]
    assert phone == "0901234567" and f"/rate/{token}" in sent  # the applicant got the link
    rows = stored(runtime, "SELECT o.body, o.status FROM notification_outbox o WHERE o.event = 'done'")
    assert [row.status for row in rows] == ["sent"]
    assert token not in rows[0].body and "/rate/…" in rows[0].body  # the stored text keeps no usable link


def test_the_office_reads_the_ratings_of_its_units(host_client, seeded, api, officer, runtime, code):
    """The officer of commune A reads the ratings of commune A's dossiers, not commune B's; the province's
    admin reads both; each level counted, one level at a time."""
    finish(officer, code)
    elsewhere = api.post(
        "/api/v1/dossiers", json=intake_body(seeded, "online", receiving_unit_id=seeded["alpha"].units["commune_b"])
    ).get_json()["code"]
    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    finish(admin, elsewhere)
    assert api.post(f"/api/v1/my/dossiers/{code}/rating", json={"level": 2, "comment": "Chờ lâu"}).status_code == 201
    assert api.post(f"/api/v1/my/dossiers/{elsewhere}/rating", json={"level": 4}).status_code == 201

    commune = console_client(host_client, seeded["alpha"].host, "officer@alpha.test")
    page = commune.get("/console/ratings", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    shown = text(page)
    assert code in shown and elsewhere not in shown and "Chờ lâu" in shown
    assert "<strong>1</strong> ratings" in shown and "<strong>1</strong> Dissatisfied (100.0 %)" in shown

    province = console_client(host_client, seeded["alpha"].host, "admin@alpha.test")
    everything = text(province.get("/console/ratings", headers={"Accept-Language": "en"}))
    assert code in everything and elsewhere in everything and "<strong>2</strong> ratings" in everything
    best = text(province.get("/console/ratings?level=4", headers={"Accept-Language": "en"}))
    assert elsewhere in best and code not in best
    assert province.get("/console/ratings?level=9&page=x").status_code == 200  # nonsense filters are ignored
    assert host_client(seeded["alpha"].host).get("/console/ratings").status_code == 303  # to the login page
