"""Messages and locale (docs/decisions/0025-messages-and-locale.md): the language of a request, of a
province's notifications and of formatted amounts, and the one way the API writes instants (UTC)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import flask_babel
from dossier_support import intake_body
from motcua_onestop.notifications.models import Event, NotificationOutbox
from motcua_onestop.notifications.services import queue_for_dossier
from motcua_onestop.notifications.templates import Facts, render
from motcua_platform import i18n
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _
from motcua_platform.web.locale import LOCALE_COOKIE
from sqlalchemy import select

MISSING = "/api/v1/dossiers/NO-SUCH-CODE"
IN_VIETNAMESE = "Không có hồ sơ NO-SUCH-CODE trong các đơn vị của bạn."
IN_ENGLISH = "No dossier NO-SUCH-CODE in your units."


def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def message(response, status=404):
    assert response.status_code == status, response.get_json()
    return response.get_json()["message"]


def test_vietnamese_is_the_default(host_client, seeded):
    client = officer(host_client, seeded)
    assert message(client.get(MISSING, headers={"Accept-Language": ""})) == IN_VIETNAMESE
    assert message(client.get(MISSING, headers={"Accept-Language": "fr-FR, de"})) == IN_VIETNAMESE  # none we speak
    # before the host is known too: the platform's default
    unknown = host_client("nowhere.example.org").get("/api/v1/units", headers={"Accept-Language": ""})
    assert message(unknown) == "Không có tỉnh nào được phục vụ tại 'nowhere.example.org'."


def test_english_by_accept_language_or_the_lang_parameter(host_client, seeded):
    client = officer(host_client, seeded)
    assert message(client.get(MISSING, headers={"Accept-Language": "en-GB,en;q=0.9"})) == IN_ENGLISH
    assert message(client.get(MISSING + "?lang=en", headers={"Accept-Language": "vi"})) == IN_ENGLISH
    assert message(client.get(MISSING + "?lang=vi", headers={"Accept-Language": "en"})) == IN_VIETNAMESE
    # the generic HTTP errors are ours, translated, not werkzeug's English descriptions
    assert message(client.get("/api/v1/no-such-route", headers={"Accept-Language": "vi"})) == (
        "Không tìm thấy địa chỉ được yêu cầu trên máy chủ này."
    )


def test_the_language_cookie_is_remembered(host_client, seeded):
    client = officer(host_client, seeded)
    client._client.set_cookie(LOCALE_COOKIE, "en", domain=seeded["alpha"].host)
    assert message(client.get(MISSING, headers={"Accept-Language": "vi"})) == IN_ENGLISH
    assert message(client.get(MISSING, headers={"Accept-Language": "vi"})) == IN_ENGLISH  # and again
    assert message(client.get(MISSING + "?lang=vi")) == IN_VIETNAMESE  # the switch beats the cookie


def test_validation_errors_follow_the_request(host_client, seeded):
    client = officer(host_client, seeded)
    body = intake_body(seeded, receiving_unit_id=2**40)
    refused = client.post("/api/v1/dossiers", json=body, headers={"Accept-Language": "vi"})
    assert message(refused, 422) == "Hồ sơ chưa được tiếp nhận."
    assert refused.get_json()["errors"] == {"receiving_unit_id": ["Không có đơn vị đang hoạt động này."]}
    refused = client.post("/api/v1/dossiers", json=body)
    assert refused.get_json()["errors"] == {"receiving_unit_id": ["No such open unit."]}


def test_a_service_error_renders_in_the_language_of_the_request_it_is_read_in(app, seeded):
    error = NotFound(_("No dossier %(code)s.", code="X-1"))  # raised before anyone knows the reader
    for language, expected in (("vi", "Không có hồ sơ X-1."), ("en", "No dossier X-1.")):
        with app.test_request_context("/healthz", headers={"Accept-Language": language}):
            app.preprocess_request()
            assert str(error.message) == expected and str(error) == expected
            # Flask-Babel (templates, pages) reads the same catalogues
            assert flask_babel.gettext("No dossier %(code)s.", code="X-1") == expected
    assert str(error.message) == "No dossier X-1."  # outside a request: the tests' English


def test_notifications_go_out_in_the_provinces_language(host_client, seeded, runtime):
    """The officer works in English; the applicant reads the province's Vietnamese, and an English-speaking
    province's applicants read English, dates in its time zone and amounts in its format."""
    client = officer(host_client, seeded)
    created = client.post(
        "/api/v1/dossiers", json=intake_body(seeded, applicant={"full_name": "Lê Văn A", "contact": "a@example.vn"})
    )
    assert created.status_code == 201, created.get_json()
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        [row] = session.scalars(select(NotificationOutbox).where(NotificationOutbox.recipient == "a@example.vn"))
        assert row.subject.startswith("[Một cửa] Hồ sơ") and "Ngày hẹn trả kết quả:" in row.body

    facts = Facts(
        "X-1",
        "Lê Văn A",
        "Đăng ký kết hôn",
        dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC),
        "https://a/t/X-1",
        total_fee=150000,
    )
    subject, body, sms = render(Event.PAYMENT, facts, locale="vi", timezone="Asia/Ho_Chi_Minh")
    assert "150.000 đồng" in body and "17:00 ngày 09/03/2026" in body
    subject, body, sms = render(Event.PAYMENT, facts, locale="en", timezone="Asia/Ho_Chi_Minh")
    assert subject == "[One-stop] Dossier X-1: please pay the fees and charges"
    assert "150,000 VND" in body and "17:00 on 9 Mar 2026" in body and "Track: https://a/t/X-1" in sms
    _, body, _ = render(Event.PAYMENT, facts, locale="en", timezone="Asia/Tokyo")  # the province's zone
    assert "19:00 on 9 Mar 2026" in body

    english_province = dataclasses.replace(seeded["alpha"].context, locale="en")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = session.scalar(select_dossier(created.get_json()["code"]))
        with i18n.use_locale("vi"):  # whatever the caller's language
            assert queue_for_dossier(session, english_province, dossier, Event.DONE, procedure_name="P", fact="f") == 1
        row = session.scalars(select(NotificationOutbox).order_by(NotificationOutbox.id.desc())).first()
        assert row.subject == f"[One-stop] Dossier {dossier.code} has its result"
        session.rollback()


def select_dossier(code):
    from motcua_onestop.dossiers.models import Dossier

    return select(Dossier).where(Dossier.code == code)


def test_post_and_get_write_the_same_instant_the_same_way(host_client, seeded):
    client = officer(host_client, seeded)
    created = client.post("/api/v1/dossiers", json=intake_body(seeded))
    assert created.status_code == 201, created.get_json()
    posted = created.get_json()
    read = client.get(f"/api/v1/dossiers/{posted['code']}").get_json()
    for name in ("submitted_at", "received_at", "due_at"):
        assert posted[name] == read[name] and posted[name].endswith("+00:00"), (name, posted[name], read[name])
    # an instant computed in Vietnam time (the deadline engine's) is written in UTC too
    due = host_client(seeded["alpha"].host).get(
        "/api/v1/calendar/due?received_at=2026-03-02T10:00:00%2B07:00&value=8&unit=hours"
    )
    assert due.get_json()["received_at"] == "2026-03-02T03:00:00+00:00"


def test_amounts_and_dates_by_locale():
    assert (i18n.vnd(1_188_000, "vi"), i18n.vnd(1_188_000, "en")) == ("1.188.000", "1,188,000")
    moment = dt.datetime(2026, 3, 5, 9, 7, tzinfo=dt.UTC)
    assert i18n.format_datetime(moment, "vi") == "16:07 ngày 05/03/2026"
    assert i18n.format_datetime(moment, "en") == "16:07 on 5 Mar 2026"
    assert (i18n.format_date(moment, "vi"), i18n.format_date(moment, "en")) == ("05/03/2026", "5 Mar 2026")
    with i18n.use_locale("vi"):
        assert i18n.vnd(5000) == "5.000"  # the current language when none is given


def test_plural_messages_follow_each_languages_rule(app):
    # Vietnamese has one form (nplurals=1): "3 thủ tục", never the English plural left untranslated. The
    # merged catalogues once kept English's rule (n != 1) and showed "3 procedures" on Vietnamese pages.
    vi, en = i18n.translations("vi"), i18n.translations("en")
    assert [vi.ngettext("%(num)s procedure", "%(num)s procedures", n) % {"num": n} for n in (1, 3)] == [
        "1 thủ tục",
        "3 thủ tục",
    ]
    assert [en.ngettext("%(num)s procedure", "%(num)s procedures", n) % {"num": n} for n in (1, 3)] == [
        "1 procedure",
        "3 procedures",
    ]
