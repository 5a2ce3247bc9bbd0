"""Extensions with an apology (form 04), comments, and how supplement pauses move the dossier's and the
open step's due times: through HTTP with If-Match, and through the services with a fixed clock."""

import datetime as dt

import pytest
from dossier_support import SYSTEM, citizen_client, intake_body, intake_in, move
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.extensions import services as extensions
from motcua_onestop.dossiers.extensions.services import ExtensionRequest
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_onestop.notifications.models import NotificationOutbox
from motcua_platform.audit.models import TenantAuditEvent
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select
from test_dossier_forms import pdf_text

REASON = "Chờ xác minh thông tin hộ tịch tại xã khác"
APOLOGY = "UBND xã thành thật xin lỗi Ông/Bà vì sự chậm trễ này."


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def processing(officer, seeded) -> str:
    response = officer.post("/api/v1/dossiers", json=intake_body(seeded))
    assert response.status_code == 201, response.get_json()
    code = response.get_json()["code"]
    assert move(officer, code, 4, 1).status_code == 200
    return code


def extend(client, code, version, **body):
    headers = {"If-Match": f'"{version}"'} if version is not None else {}
    return client.post(f"/api/v1/dossiers/{code}/extensions", json=body, headers=headers)


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value)


def test_extension_keeps_the_original_due_date_and_tells_the_applicant(officer, seeded, runtime):
    code = processing(officer, seeded)
    before = officer.get(f"/api/v1/dossiers/{code}").get_json()
    response = extend(officer, code, 2, working_days=3, reason=REASON, apology=APOLOGY)
    assert response.status_code == 201, response.get_json()
    assert response.headers["ETag"] == '"3"'
    body = response.get_json()
    assert body["reason"] == REASON and body["apology"] == APOLOGY and body["step_index"] == 0
    assert body["requested_by"] == seeded["alpha"].staff["officer"]
    assert parse(body["previous_due_at"]) == parse(before["due_at"]) == parse(body["original_due_at"])
    new_due = parse(body["new_due_at"]).astimezone(VIETNAM)
    assert new_due > parse(before["due_at"]) and new_due.time() == dt.time(17, 0)  # closing of a working day

    after = officer.get(f"/api/v1/dossiers/{code}").get_json()
    assert after["due_at"] == before["due_at"]  # never changes
    assert parse(after["extended_due_at"]) == new_due and after["version"] == 3 and after["status"] == 4
    history = officer.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert history[-1]["action"] == "extend" and REASON in history[-1]["comment"]
    tracked = officer.get(f"/api/v1/track/{code}").get_json()  # public: both dates and the outcome
    assert tracked["due_at"] == before["due_at"] and parse(tracked["extended_due_at"]) == new_due
    assert tracked["outcome"] in ("early", "on_time")
    listed = officer.get(f"/api/v1/dossiers/{code}/extensions").get_json()
    assert [e["id"] for e in listed] == [body["id"]]

    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        rows = session.scalars(
            select(NotificationOutbox).where(
                NotificationOutbox.dossier_id == after["id"], NotificationOutbox.event == "extension"
            )
        ).all()
        audit = session.scalars(
            select(TenantAuditEvent.action).where(TenantAuditEvent.target == f"dossier:{code}")
        ).all()
    assert [r.idempotency_key for r in rows] == [f"dossier:{after['id']}:extension:{body['id']}:sms"]
    assert "gia hạn" in rows[0].body and new_due.strftime("%d/%m/%Y") in rows[0].body
    assert "dossier.extend" in audit

    # a second extension, by date, moves the effective due date again; form 04 prints the latest one
    later = (new_due + dt.timedelta(days=7)).replace(hour=10, minute=0).isoformat()
    second = extend(officer, code, 3, new_due_at=later, reason="Chờ ý kiến Sở Tư pháp", apology=APOLOGY)
    assert second.status_code == 201, second.get_json()
    assert parse(second.get_json()["previous_due_at"]) == new_due
    assert len(officer.get(f"/api/v1/dossiers/{code}/extensions").get_json()) == 2
    pdf = officer.get(f"/api/v1/dossiers/{code}/forms/04.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    if (text := pdf_text(pdf.data)) is not None:
        assert "Chờ ý kiến Sở Tư pháp" in text and APOLOGY in text
        assert parse(before["due_at"]).astimezone(VIETNAM).strftime("%d/%m/%Y") in text  # the original date
        assert parse(later).astimezone(VIETNAM).strftime("%d/%m/%Y") in text  # the new one


def test_bad_extensions_are_refused_and_write_nothing(officer, seeded, host_client):
    code = processing(officer, seeded)
    ok = {"working_days": 2, "reason": REASON, "apology": APOLOGY}
    assert extend(officer, code, None, **ok).status_code == 428
    stale = extend(officer, code, 1, **ok)
    assert stale.status_code == 409 and stale.get_json()["code"] == "conflict"
    due = parse(officer.get(f"/api/v1/dossiers/{code}").get_json()["due_at"])
    earlier = extend(officer, code, 2, new_due_at=(due - dt.timedelta(days=1)).isoformat(), reason="x", apology="y")
    assert earlier.status_code == 422 and "new_due_at" in earlier.get_json()["errors"]
    missing = extend(officer, code, 2, working_days=2, apology=APOLOGY)
    assert missing.status_code == 422 and "reason" in missing.get_json()["errors"]
    blank = extend(officer, code, 2, working_days=2, reason="   ", apology="  ")
    assert blank.status_code == 422 and {"reason", "apology"} <= set(blank.get_json()["errors"])
    both = extend(officer, code, 2, working_days=2, working_hours=4, reason=REASON, apology=APOLOGY)
    assert both.status_code == 422
    neither = extend(officer, code, 2, reason=REASON, apology=APOLOGY)
    assert neither.status_code == 422
    assert extend(officer, code, 2, working_days=0, reason=REASON, apology=APOLOGY).status_code == 422

    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    elsewhere = admin.post(
        "/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=seeded["alpha"].units["commune_b"])
    )
    other = elsewhere.get_json()["code"]
    assert extend(officer, other, 1, **ok).status_code == 404  # officer of commune A only
    beta = host_client(seeded["beta"].host, seeded["beta"].tokens["officer"])
    assert extend(beta, code, 2, **ok).status_code == 404

    assert move(officer, code, 5, 2, "Thiếu giấy khai sinh").status_code == 200
    paused = extend(officer, code, 3, **ok)
    assert paused.status_code == 409 and "status 2, 4 or 6" in paused.get_json()["message"]
    online = citizen_client(host_client, seeded).post("/api/v1/dossiers", json=intake_body(seeded, channel="online"))
    assert extend(officer, online.get_json()["code"], 1, **ok).status_code == 409  # not received yet

    assert officer.get(f"/api/v1/dossiers/{code}/extensions").get_json() == []
    after = officer.get(f"/api/v1/dossiers/{code}").get_json()
    assert after["version"] == 3 and after["extended_due_at"] is None
    form = officer.get(f"/api/v1/dossiers/{code}/forms/04.pdf")
    assert form.status_code == 409 and "extend it first" in form.get_json()["message"]


def test_comments_go_to_the_history_and_the_control_slip_without_a_new_version(officer, seeded, host_client):
    code = processing(officer, seeded)
    posted = officer.post(f"/api/v1/dossiers/{code}/comments", json={"comment": "  Đã gọi điện cho người nộp  "})
    assert posted.status_code == 201, posted.get_json()
    assert posted.headers["ETag"] == '"2"' and posted.get_json()["action"] == "comment"
    assert posted.get_json()["comment"] == "Đã gọi điện cho người nộp" and posted.get_json()["to_status"] == 4
    assert officer.get(f"/api/v1/dossiers/{code}").get_json()["version"] == 2
    assert move(officer, code, 5, 2, "Thiếu giấy tờ").status_code == 200  # a comment does not make If-Match stale
    assert officer.post(f"/api/v1/dossiers/{code}/comments", json={"comment": ""}).status_code == 422
    assert officer.post(f"/api/v1/dossiers/{code}/comments", json={"comment": "   "}).status_code == 422
    assert officer.post(f"/api/v1/dossiers/{code}/comments", json={"comment": "x" * 2001}).status_code == 422
    assert officer.post(f"/api/v1/dossiers/{code}/comments", json={}).status_code == 422
    beta = host_client(seeded["beta"].host, seeded["beta"].tokens["officer"])
    assert beta.post(f"/api/v1/dossiers/{code}/comments", json={"comment": "x"}).status_code == 404
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert finance.post(f"/api/v1/dossiers/{code}/comments", json={"comment": "x"}).status_code == 404
    history = officer.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert [h["action"] for h in history] == ["intake_counter", "process", "comment", "request_supplement"]
    slip = officer.get(f"/api/v1/dossiers/{code}/forms/06.pdf")
    assert slip.status_code == 200
    if (text := pdf_text(slip.data)) is not None:
        assert "Đã gọi điện cho người nộp" in text and "Ý kiến" in text


def at(day, hour, minute=0):
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)


def test_a_pause_over_a_weekend_moves_the_open_step_and_stacks_with_extensions(runtime, seeded):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        friday = at(6, 9)  # March 2026 has no holiday
        dossier = intake_in(session, seeded, now=friday)
        services.transition(session, SYSTEM, dossier, 4, 1, tenant_slug="alpha", now=friday)
        step = workflow.current_step(session, dossier)
        assert dossier.due_at == at(13, 17) and step.due_at == at(6, 11)  # 5 working days; 2 office hours

        # paused Friday 10:00 → Monday 08:00: 5 + 1 office hours; the weekend costs nothing
        services.transition(session, SYSTEM, dossier, 5, 2, "Thiếu giấy tờ", tenant_slug="alpha", now=at(6, 10))
        services.transition(session, SYSTEM, dossier, 4, 3, tenant_slug="alpha", now=at(9, 8))
        assert step.due_at == at(9, 9)  # the hour the step had left, after the resume
        assert dossier.due_at == at(13, 17) and dossier.extended_due_at == at(16, 15)

        extension = extensions.extend(
            session,
            SYSTEM,
            None,
            dossier,
            4,
            ExtensionRequest(REASON, APOLOGY, working_days=2),
            tenant_slug="alpha",
            now=at(9, 9),
        )
        assert (extension.previous_due_at, extension.new_due_at) == (at(16, 15), at(18, 17))
        assert dossier.extended_due_at == at(18, 17) and extension.step_index == 0
        # a later pause moves the extended date on: Tuesday 10 March 07:00 → 11:30 is 4.5 office hours
        services.transition(session, SYSTEM, dossier, 5, 5, "Thiếu ảnh", tenant_slug="alpha", now=at(10, 7))
        services.transition(session, SYSTEM, dossier, 4, 6, tenant_slug="alpha", now=at(10, 11, 30))
        assert dossier.extended_due_at == at(19, 11, 30) and dossier.due_at == at(13, 17)
        assert workflow.dossier_outcome(dossier, at(19, 16)) == "on_time"  # against the effective date
        assert workflow.dossier_outcome(dossier, at(20, 9)) == "late"
        services.transition(session, SYSTEM, dossier, 5, 7, "Thiếu ảnh", tenant_slug="alpha", now=at(19, 9))
        assert workflow.dossier_outcome(dossier, at(25, 9)) == "on_time"  # paused: as of when the clock stopped
        services.transition(session, SYSTEM, dossier, 4, 8, tenant_slug="alpha", now=at(19, 10))

        with pytest.raises(InvalidInput):  # not after the current effective due date
            extensions.extend(
                session,
                SYSTEM,
                None,
                dossier,
                9,
                ExtensionRequest(REASON, APOLOGY, new_due_at=at(19, 12, 30)),
                tenant_slug="alpha",
                now=at(19, 11),
            )
        with pytest.raises(Conflict):
            extensions.extend(
                session,
                SYSTEM,
                None,
                dossier,
                6,
                ExtensionRequest(REASON, APOLOGY, working_hours=4),
                tenant_slug="alpha",
            )
        session.rollback()


def test_extensions_are_granted_only_before_the_due_date(runtime, seeded):
    """Form 04 is the apology sent before the deadline: from the due moment on, an extension is a 409 and
    the dossier stays late (it would otherwise be measured against a date set after it was missed)."""
    due = at(9, 17)
    request = ExtensionRequest(REASON, APOLOGY, working_hours=4)
    for now in (due, due + dt.timedelta(microseconds=1), at(10, 10)):
        with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
            dossier = intake_in(session, seeded, now=at(2, 9))
            services.transition(session, SYSTEM, dossier, 4, 1, tenant_slug="alpha", now=at(2, 9))
            assert dossier.due_at == due
            with pytest.raises(Conflict, match="before the due date"):
                extensions.extend(session, SYSTEM, None, dossier, 2, request, tenant_slug="alpha", now=now)
            assert dossier.extended_due_at is None and dossier.version == 2
            assert workflow.dossier_outcome(dossier, now + dt.timedelta(days=1)) == "late"
            session.rollback()
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = intake_in(session, seeded, now=at(2, 9))
        services.transition(session, SYSTEM, dossier, 4, 1, tenant_slug="alpha", now=at(2, 9))
        just_before = due - dt.timedelta(microseconds=1)
        extension = extensions.extend(session, SYSTEM, None, dossier, 2, request, tenant_slug="alpha", now=just_before)
        assert extension.new_due_at == at(10, 11)  # four office hours after the due date: Tuesday 07:00 + 4 h
        session.rollback()


def test_a_late_dossier_is_refused_an_extension_over_http(officer, seeded, runtime):
    code = processing(officer, seeded)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = services.get_dossier(session, code, {seeded["alpha"].units["root"]})
        dossier.due_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)  # the deadline has passed
        session.commit()
    refused = extend(officer, code, 2, working_days=3, reason=REASON, apology=APOLOGY)
    assert refused.status_code == 409
    assert "before the due date" in refused.get_json()["message"] and "due_at" in refused.get_json()["errors"]
    assert officer.get(f"/api/v1/dossiers/{code}/extensions").get_json() == []
    tracked = officer.get(f"/api/v1/track/{code}").get_json()
    assert tracked["extended_due_at"] is None and tracked["outcome"] == "late"
