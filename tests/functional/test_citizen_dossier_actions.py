"""What the owner of a dossier does on it besides withdrawing: report that a requested supplement is
uploaded (the state machine's resume, as an officer's), and download the forms addressed to the applicant."""

import datetime as dt

import pytest
from dossier_support import SYSTEM, citizen_client, intake_body, intake_in, move
from motcua_app.testing.pytest_plugin import TEST_PASSWORD
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_platform.audit.models import TenantAuditEvent
from motcua_platform.errors import Conflict
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select
from test_dossier_forms import assert_form


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


@pytest.fixture
def stranger(host_client, seeded):
    """Another citizen account of the same province."""
    portal = host_client(seeded["alpha"].host)
    account = {"email": "la@example.vn", "full_name": "Người Lạ", "national_id": "001195012345"}
    assert portal.post("/api/v1/account/register", json={**account, "password": TEST_PASSWORD}).status_code == 201
    token = portal.post("/api/v1/account/login", json={"login": account["email"], "password": TEST_PASSWORD})
    return portal.with_token(token.get_json()["token"])


def submitted(host_client, seeded) -> str:
    response = citizen_client(host_client, seeded).post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def done(client, code, version, comment=None):
    headers = {"If-Match": f'"{version}"'} if version is not None else {}
    body = {"comment": comment} if comment else {}
    return client.post(f"/api/v1/my/dossiers/{code}/supplement-done", json=body, headers=headers)


def at(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)


# -- supplement done -----------------------------------------------------------------------------
def test_the_owner_reports_a_supplement_done_and_processing_resumes(
    host_client, seeded, officer, stranger, alpha, runtime
):
    citizen = citizen_client(host_client, seeded)
    code = submitted(host_client, seeded)
    for version, status in ((1, 2), (2, 4)):
        assert move(officer, code, status, version).status_code == 200
    assert done(citizen, code, 3).status_code == 409  # processing, nothing was asked for
    assert move(officer, code, 5, 3, "Bổ sung bản sao giấy khai sinh").status_code == 200
    assert citizen.get(f"/api/v1/my/dossiers/{code}").get_json()["can_report_supplement"]

    assert done(citizen, code, None).status_code == 428
    stale = done(citizen, code, 3)
    assert stale.status_code == 409 and stale.get_json()["errors"]["version"]
    assert done(stranger, code, 4).status_code == 404  # only the owner: someone else's dossier does not exist
    assert done(officer, code, 4).status_code == 403  # a staff token is not a citizen's
    assert done(host_client(seeded["alpha"].host), code, 4).status_code == 401

    resumed = done(citizen, code, 4, "Đã tải lên bản sao giấy khai sinh")
    assert resumed.status_code == 200, resumed.get_json()
    body = resumed.get_json()
    assert body["status"] == 4 and resumed.headers["ETag"] == '"5"' and not body["can_report_supplement"]
    assert body["extended_due_at"] is not None and body["due_at"] is not None  # the pause moved the due date
    assert body["history"][-1] | {"at": None} == {
        "action": "supplement_done",
        "from_status": 5,
        "to_status": 4,
        "status_name": "Đang xử lý",
        "by": "citizen",
        "comment": "Đã tải lên bản sao giấy khai sinh",
        "at": None,
    }
    last = officer.get(f"/api/v1/dossiers/{code}/history").get_json()[-1]
    assert last["action"] == "supplement_done" and last["actor"].startswith(f"citizen:{seeded['alpha'].citizen_id}:")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        audit = session.scalars(
            select(TenantAuditEvent.actor).where(
                TenantAuditEvent.target == f"dossier:{code}", TenantAuditEvent.action == "dossier.transition"
            )
        ).all()
    assert audit[-1].startswith("citizen:")
    again = done(citizen, code, 5)
    assert again.status_code == 409 and "status 5" in again.get_json()["message"]
    assert officer.get(f"/api/v1/dossiers/{code}/forms/06.pdf").status_code == 200  # the control slip names it


def test_a_supplement_asked_before_intake_goes_back_to_awaiting_intake(host_client, seeded, officer):
    citizen = citizen_client(host_client, seeded)
    code = submitted(host_client, seeded)
    assert move(officer, code, 5, 1, "Thiếu tờ khai").status_code == 200
    resumed = done(citizen, code, 2)
    assert resumed.status_code == 200, resumed.get_json()
    body = resumed.get_json()
    assert body["status"] == 1 and body["received_at"] is None and body["due_at"] is None  # no clock yet
    assert move(officer, code, 2, 3).status_code == 200  # the officer receives it as any submission


def test_the_pause_moves_the_due_dates_exactly_as_the_officers_resume(runtime, seeded):
    """Same clock, same pause: the owner's report and the officer's resume leave the same due dates."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        results = []
        for resume in ("officer", "owner"):
            dossier = intake_in(session, seeded, now=at(6, 9))
            services.transition(session, SYSTEM, dossier, 4, 1, tenant_slug="alpha", now=at(6, 9))
            services.transition(session, SYSTEM, dossier, 5, 2, "Thiếu giấy tờ", tenant_slug="alpha", now=at(6, 10))
            if resume == "officer":
                services.transition(session, SYSTEM, dossier, 4, 3, tenant_slug="alpha", now=at(9, 8))
            else:
                services.supplement_done(session, SYSTEM, dossier, 3, tenant_slug="alpha", now=at(9, 8))
            step = workflow.current_step(session, dossier)
            results.append((dossier.status, dossier.due_at, dossier.extended_due_at, dossier.paused_at, step.due_at))
        assert results[0] == results[1] == (4, at(13, 17), at(16, 15), None, at(9, 9))
        with pytest.raises(Conflict, match="status 4"):
            services.supplement_done(session, SYSTEM, dossier, 4, tenant_slug="alpha", now=at(9, 9))
        session.rollback()


# -- forms for the applicant ---------------------------------------------------------------------
def form(client, code, number):
    return client.get(f"/api/v1/my/dossiers/{code}/forms/{number}.pdf")


def test_the_owner_downloads_the_forms_addressed_to_the_applicant(host_client, seeded, officer, stranger):
    citizen = citizen_client(host_client, seeded)
    code = submitted(host_client, seeded)
    not_yet = form(citizen, code, "01")
    assert not_yet.status_code == 409 and "never received" in not_yet.get_json()["message"]
    assert move(officer, code, 2, 1).status_code == 200
    assert citizen.get(f"/api/v1/dossiers/{code}/forms/01.pdf").status_code == 403  # the officers' route
    assert_form(form(citizen, code, "01"), "01", code)  # the receipt
    assert move(officer, code, 4, 2).status_code == 200
    assert move(officer, code, 5, 3, "Bổ sung bản sao giấy khai sinh").status_code == 200
    assert_form(form(citizen, code, "02"), "02", code)  # the supplement request
    assert done(citizen, code, 4).status_code == 200
    extended = officer.post(
        f"/api/v1/dossiers/{code}/extensions",
        json={"working_days": 2, "reason": "Chờ xác minh", "apology": "Xin lỗi Ông/Bà."},
        headers={"If-Match": '"5"'},
    )
    assert extended.status_code == 201, extended.get_json()
    assert_form(form(citizen, code, "04"), "04", code)  # the apology and extension
    assert move(officer, code, 8, 6, "Hồ sơ giả mạo").status_code == 200
    assert_form(form(citizen, code, "05"), "05", code)  # the stop notice
    assert form(citizen, code, "03").status_code == 409  # not refused

    internal = form(citizen, code, "06")
    assert internal.status_code == 403 and "internal record" in internal.get_json()["message"]
    assert form(citizen, code, "07").status_code == 404 and form(citizen, code, "99").status_code == 404
    assert form(stranger, code, "01").status_code == 404  # someone else's dossier does not exist
    assert form(officer, code, "01").status_code == 403  # a staff token is not a citizen's
    assert form(host_client(seeded["alpha"].host), code, "01").status_code == 401

    refused = submitted(host_client, seeded)
    assert move(officer, refused, 3, 1, "Không thuộc thẩm quyền").status_code == 200
    assert_form(form(citizen, refused, "03"), "03", refused)  # the refusal
    counter = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    assert form(citizen, counter, "01").status_code == 404  # not linked to the account
