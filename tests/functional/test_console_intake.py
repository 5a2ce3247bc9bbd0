"""Counter and postal intake in the console (/console/intake), as a browser through the test client: the
procedures the officer's units receive, the form generated from the plugin's JSON Schema with its errors
next to the inputs (422, nothing written), the review, then receiving through the intake service (the
staff API checks the dossier, its history, its documents and the usage event the API records); and the
printed forms 01–07 with the officer's unit scope."""

import datetime as dt
import html
import io
import re

import pytest
from dossier_support import FORM, MARRIAGE, intake_body
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_billing.usage.models import UsageOutbox
from motcua_onestop.calendar.services import today as today_in_vietnam
from motcua_onestop.dossiers.models import Dossier
from motcua_platform.audit.models import TenantAuditEvent
from portal_support import csrf_token, text
from sqlalchemy import func, select
from test_console_officer import log_in

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture
def officer_api(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def console(host_client, seeded):
    client = host_client(seeded["alpha"].host)
    assert log_in(client, "officer@alpha.test").status_code == 303
    return client


def answers(seeded, channel="counter", **changes):
    """What the officer types on the form page: the envelope and the marriage form."""
    data = {
        "intake-channel": channel,
        "intake-unit": str(seeded["alpha"].units["commune_a"]),
        "intake-name": "Trần Văn Chồng",
        "intake-citizen_id": "079090001111",
        "intake-phone": "0901 234 567",
        "intake-email": "chong@example.vn",
        "intake-address": "12 Lê Lợi, Xã A",
        **FORM,
    }
    return {key: value for key, value in {**data, **changes}.items() if value is not None}


def form_page(console, channel="counter"):
    page = console.get(f"/console/intake/{MARRIAGE}?channel={channel}")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def to_review(console, seeded, channel="counter", **changes):
    token = csrf_token(form_page(console, channel))
    data = {**answers(seeded, channel, **changes), "csrf_token": token}
    return console.post(f"/console/intake/{MARRIAGE}", data=data)


def receive(console, review, files=None, paper=()):
    """POST the review page's receiving form: its hidden inputs, the scans and the papers ticked."""
    body = review.get_data(as_text=True)
    receiving = body.split('enctype="multipart/form-data"', 1)[1]
    data: dict = {}
    for name, value in HIDDEN.findall(receiving):
        data.setdefault(name, []).append(text_of(value))
    data["paper"] = [str(index) for index in paper]
    for name, (content, filename) in (files or {}).items():
        data[name] = (io.BytesIO(content), filename)
    return console.post(f"/console/intake/{MARRIAGE}/receive", data=data, content_type="multipart/form-data")


def text_of(value: str) -> str:
    return html.unescape(value)


def dossiers_at(runtime, unit_id) -> int:
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return session.scalar(select(func.count()).select_from(Dossier).where(Dossier.receiving_unit_id == unit_id))


def test_only_the_procedures_the_officers_units_receive_searched_without_accents(console):
    page = text(console.get("/console/intake?q=ket hon"))
    assert MARRIAGE in page and "Đăng ký kết hôn" in page
    assert f'href="/console/intake/{MARRIAGE}"' in page
    assert f"/console/intake/{MARRIAGE}?channel=postal" in page
    # a province-level procedure a commune does not receive is not offered
    everything = text(console.get("/console/intake?q="))
    assert "Take a dossier" in everything
    nothing = console.get("/console/intake?q=zzzz")
    assert nothing.status_code == 200 and "No procedure your units receive matches" in text(nothing)
    # the nav shows Intake to an officer
    assert 'href="/console/intake"' in text(console.get("/console"))


def test_a_procedure_with_no_electronic_form_is_listed_but_not_offered_for_intake(console, runtime):
    """A province's own procedure (the demo catalogue's copy certification) has no electronic form to take the
    dossier on: the officer finds it, is told so, and is given no link that would end on an error."""
    from motcua_app.demo import DemoProvince, seed_catalogue

    seed_catalogue(runtime, DemoProvince("alpha", "Tỉnh Alpha", "A01", "Alpha", ()))
    page = text(console.get("/console/intake?q=chung thuc ban sao"))
    assert "2.000815" in page and "No electronic form yet: this procedure cannot be taken here." in page
    assert "/console/intake/2.000815" not in page


def test_counter_intake_through_the_intake_service(console, officer_api, seeded, runtime):
    page = form_page(console)
    assert 'name="husband_full_name"' in page and 'name="intake-name"' in page
    assert 'name="intake-postal_number"' not in page  # the postal item is asked for a postal dossier only
    review = to_review(console, seeded)
    assert review.status_code == 200, text(review)
    shown = text(review)
    assert "Review and receive" in shown and "Lê Thị Vợ" in shown and "chong@example.vn" in shown
    received = receive(console, review, files={"document-0": (PDF, "to-khai.pdf")}, paper=[1])
    assert received.status_code == 303, text(received)
    code = received.headers["Location"].rsplit("/", 1)[1]
    assert received.headers["Location"] == f"/console/intake/received/{code}"
    done = text(console.get(received.headers["Location"]))
    assert code in done and "Dossier received" in done
    assert f'href="/console/dossiers/{code}/forms/01.pdf"' in done
    assert f'href="/console/dossiers/{code}/forms/06.pdf"' in done
    assert "/forms/03.pdf" not in done  # a refusal notice does not apply to a received dossier
    dossier = officer_api.get(f"/api/v1/dossiers/{code}").get_json()
    assert dossier["channel"] == "counter" and dossier["status"] == 2 and dossier["due_at"]
    assert dossier["applicant_name"] == "Trần Văn Chồng" and dossier["applicant_citizen_id"] == "079090001111"
    assert dossier["applicant_contact"] == "0901 234 567; chong@example.vn; 12 Lê Lợi, Xã A"
    assert dossier["form_data"]["wife_full_name"] == "Lê Thị Vợ"
    documents = officer_api.get(f"/api/v1/dossiers/{code}/documents").get_json()
    assert [(d["component_index"], d["filename"], d["digitised"]) for d in documents] == [(0, "to-khai.pdf", True)]
    history = officer_api.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert history[0]["action"] == "intake_counter" and history[0]["to_status"] == 2
    assert history[0]["actor"].startswith("staff:")
    assert "bản giấy" in history[0]["comment"]  # the papers to digitise, in the intake's note
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        events = session.scalars(
            select(UsageOutbox.event_id).where(UsageOutbox.event_id == f"dossier:{dossier['id']}:received")
        ).all()
        audit = session.execute(
            select(TenantAuditEvent.actor, TenantAuditEvent.action, TenantAuditEvent.details).where(
                TenantAuditEvent.target == f"dossier:{code}"
            )
        ).all()
    assert events == [f"dossier:{dossier['id']}:received"]  # billed as the API's counter intake is
    assert ("dossier.intake", {"channel": "counter"}) in [(a, d) for _who, a, d in audit]  # as the API audits it
    assert {action for _who, action, _d in audit} == {"dossier.intake", "dossier.document_add"}
    assert all("officer@alpha.test" in who for who, _a, _d in audit)


def test_errors_are_shown_next_to_the_inputs_and_nothing_is_written(console, seeded, runtime):
    unit = seeded["alpha"].units["commune_a"]
    before = dossiers_at(runtime, unit)
    bad = to_review(
        console, seeded, **{"intake-name": "", "intake-phone": "abc", "husband_citizen_id": "123", "residence": None}
    )
    assert bad.status_code == 422
    page = text(bad)
    assert "There is a problem" in page
    assert 'id="error-intake-name"' in page and 'id="error-intake-phone"' in page
    assert 'id="error-husband_citizen_id"' in page and 'id="error-residence"' in page
    assert 'value="Lê Thị Vợ"' in page and 'value="123"' in page  # what was typed is kept
    # a file that is not a PDF, JPEG or PNG: back to the review with its error, nothing received
    review = to_review(console, seeded)
    refused = receive(console, review, files={"document-0": (b"MZ not a scan", "virus.exe")})
    assert refused.status_code == 422
    assert 'id="error-document-0"' in text(refused)
    # answers changed behind the review (the form posted again with an error): the form page, 422
    tampered = console.post(
        f"/console/intake/{MARRIAGE}/receive",
        data={**answers(seeded, husband_full_name=None), "csrf_token": csrf_token(review.get_data(as_text=True))},
        content_type="multipart/form-data",
    )
    assert tampered.status_code == 422 and 'id="error-husband_full_name"' in text(tampered)
    assert dossiers_at(runtime, unit) == before


def test_the_review_can_go_back_to_the_form_with_the_answers(console, seeded):
    review = to_review(console, seeded)
    body = review.get_data(as_text=True)
    data = {name: text_of(value) for name, value in HIDDEN.findall(body.split('enctype="multipart', 1)[0])}
    back = console.post(f"/console/intake/{MARRIAGE}", data=data)
    assert back.status_code == 200
    assert 'value="Trần Văn Chồng"' in text(back) and "There is a problem" not in text(back)


def test_postal_intake_keeps_the_item_in_the_note(console, officer_api, seeded):
    page = form_page(console, "postal")
    assert 'name="intake-postal_number"' in page
    assert f'name="intake-postal_day" type="date" value="{today_in_vietnam()}"' in page  # today, to start with
    missing = to_review(console, seeded, "postal")
    assert missing.status_code == 422
    assert 'id="error-intake-postal_number"' in text(missing) and 'id="error-intake-postal_day"' in text(missing)
    future = (today_in_vietnam() + dt.timedelta(days=3)).isoformat()
    late = to_review(console, seeded, "postal", **{"intake-postal_number": "EA1", "intake-postal_day": future})
    assert late.status_code == 422 and "cannot be in the future" in text(late)
    review = to_review(
        console, seeded, "postal", **{"intake-postal_number": "EA123456789VN", "intake-postal_day": "2026-01-05"}
    )
    assert review.status_code == 200, text(review)
    received = receive(console, review)
    assert received.status_code == 303, text(received)
    code = received.headers["Location"].rsplit("/", 1)[1]
    dossier = officer_api.get(f"/api/v1/dossiers/{code}").get_json()
    assert dossier["channel"] == "postal" and dossier["status"] == 2
    history = officer_api.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert history[0]["action"] == "intake_postal"
    assert "EA123456789VN" in history[0]["comment"] and "05/01/2026" in history[0]["comment"]


def test_the_api_takes_the_intake_note(officer_api, seeded):
    created = officer_api.post("/api/v1/dossiers", json=intake_body(seeded, "postal", note="Bưu gửi EA1"))
    assert created.status_code == 201, created.get_json()
    history = officer_api.get(f"/api/v1/dossiers/{created.get_json()['code']}/history").get_json()
    assert history[0]["comment"] == "Bưu gửi EA1"


def test_only_an_officer_of_a_receiving_unit_takes_dossiers(host_client, alpha, console, seeded, runtime):
    # finance has no unit role: no intake at all
    finance = host_client(seeded["alpha"].host)
    assert log_in(finance, "finance@alpha.test").status_code == 303
    assert finance.get("/console/intake").status_code == 403
    assert finance.get(f"/console/intake/{MARRIAGE}").status_code == 403
    # an officer of a department: a commune's procedure is not theirs to receive
    body = {
        "email": "department@alpha.test",
        "full_name": "Cán bộ Sở",
        "password": TEST_PASSWORD,
        "roles": [{"role": "officer", "unit_id": seeded["alpha"].units["department"]}],
    }
    assert alpha.post("/api/v1/staff", json=body).status_code == 201
    department = host_client(seeded["alpha"].host)
    assert log_in(department, "department@alpha.test").status_code == 303
    assert MARRIAGE not in text(department.get("/console/intake?q=ket hon"))
    refused = department.get(f"/console/intake/{MARRIAGE}")
    assert refused.status_code == 403 and "None of your units receives this procedure." in text(refused)
    # the commune A officer naming commune B: refused by the service, as the API refuses it
    unit_b = seeded["alpha"].units["commune_b"]
    before = dossiers_at(runtime, unit_b)
    assert to_review(console, seeded, **{"intake-unit": str(unit_b)}).status_code == 403
    assert dossiers_at(runtime, unit_b) == before
    # and without its CSRF token nothing is taken
    assert console.post(f"/console/intake/{MARRIAGE}", data=answers(seeded)).status_code == 400


def test_the_forms_are_pdfs_within_the_officers_units(console, alpha, officer_api, seeded):
    code = officer_api.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    page = text(console.get(f"/console/dossiers/{code}"))
    assert "Forms to print" in page and f'href="/console/dossiers/{code}/forms/01.pdf"' in page
    receipt = console.get(f"/console/dossiers/{code}/forms/01.pdf")
    assert receipt.status_code == 200 and receipt.headers["Content-Type"] == "application/pdf"
    assert receipt.get_data().startswith(b"%PDF")
    assert console.get(f"/console/dossiers/{code}/forms/06.pdf").status_code == 200
    assert console.get(f"/console/dossiers/{code}/forms/03.pdf").status_code == 409  # not refused
    assert console.get(f"/console/dossiers/{code}/forms/99.pdf").status_code == 404
    unit_b = seeded["alpha"].units["commune_b"]
    other = alpha.post("/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=unit_b))
    other_code = other.get_json()["code"]
    assert console.get(f"/console/dossiers/{other_code}/forms/01.pdf").status_code == 404  # another unit's
    # form 07, the register of a unit of the officer's, for a period
    unit = seeded["alpha"].units["commune_a"]
    assert console.get("/console/register").status_code == 200
    chosen = console.get(f"/console/register?unit_id={unit}")  # the dossier page's link: the unit chosen
    assert chosen.status_code == 200 and f'<option value="{unit}" selected>' in text(chosen)
    until = today_in_vietnam()
    since = until - dt.timedelta(days=30)
    register = console.get(f"/console/register?unit_id={unit}&from={since}&to={until}")
    assert register.status_code == 200 and register.headers["Content-Type"] == "application/pdf"
    assert register.get_data().startswith(b"%PDF")
    bad = console.get(f"/console/register?unit_id={unit}&from=2026-02-01&to=2026-01-01")
    assert bad.status_code == 422 and 'id="error-to"' in text(bad)
    assert console.get(f"/console/register?unit_id={unit_b}&from=2026-01-01&to=2026-01-31").status_code == 403
