"""Processing steps: creation from the template, claim, complete, hand-off (liên thông), who may act,
early / on_time / late, and the step_unit / due_soon / overdue inbox filters."""

import datetime as dt

import pytest
from dossier_support import intake_body, intake_in, move
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_platform.audit.services import Actor
from motcua_platform.errors import Conflict, Forbidden, NotFound
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select

SYSTEM = Actor("system", None, "test")


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def post(client, code, action, version, **body):
    headers = {"If-Match": f'"{version}"'} if version is not None else {}
    return client.post(f"/api/v1/dossiers/{code}/steps/current/{action}", json=body, headers=headers)


def processing(officer, seeded):
    code = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    moved = officer.post(f"/api/v1/dossiers/{code}/transitions", json={"to_status": 4}, headers={"If-Match": '"1"'})
    assert moved.status_code == 200, moved.get_json()
    return code


def test_processing_creates_the_steps_on_the_template_units(officer, seeded):
    units = seeded["alpha"].units
    code = processing(officer, seeded)
    body = officer.get(f"/api/v1/dossiers/{code}/steps").get_json()
    steps = body["steps"]
    assert [s["unit_id"] for s in steps] == [
        units["centre_a"],
        units["commune_a"],
        units["commune_a"],
        units["centre_a"],
    ]
    assert [s["index"] for s in steps] == [0, 1, 2, 3] and steps[0]["current"] and not steps[1]["current"]
    assert steps[0]["started_at"] and steps[0]["due_at"] and steps[0]["claimed_by"] is None
    assert steps[1]["started_at"] is None and steps[1]["due_at"] is None
    assert body["version"] == 2 and body["current_step"] == 0 and body["outcome"] in ("early", "on_time")


def test_claim_then_complete_with_a_comment_starts_the_next_step(officer, seeded):
    code = processing(officer, seeded)
    assert post(officer, code, "complete", 2, comment="xong").status_code == 403  # claim first
    assert post(officer, code, "claim", None).status_code == 428
    claimed = post(officer, code, "claim", 2)
    assert claimed.status_code == 200 and claimed.headers["ETag"] == '"3"'
    assert claimed.get_json()["steps"][0]["claimed_by"] == seeded["alpha"].staff["officer"]
    assert post(officer, code, "claim", 2).status_code == 409  # stale
    assert post(officer, code, "complete", 3, comment="").status_code == 422
    done = post(officer, code, "complete", 3, comment="Hồ sơ đủ, chuyển thẩm định")
    assert done.status_code == 200, done.get_json()
    steps = done.get_json()["steps"]
    assert steps[0]["finished_at"] and steps[0]["outcome"] in ("early", "on_time") and not steps[0]["current"]
    assert steps[1]["current"] and steps[1]["started_at"] and steps[1]["due_at"]
    history = officer.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert [h["action"] for h in history] == ["intake_counter", "process", "step_claim", "step_complete"]
    assert "chuyển thẩm định" in history[-1]["comment"] and history[-1]["to_status"] == 4


def test_steps_move_only_while_processing_and_others_cannot_act(officer, seeded, host_client):
    received = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    assert post(officer, received, "claim", 1).status_code == 409  # status 2: no steps yet
    code = processing(officer, seeded)
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert post(finance, code, "claim", 2).status_code in (403, 404)
    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    assert post(admin, code, "claim", 2).status_code == 200  # tenant admin of the province
    assert post(officer, code, "claim", 3).status_code == 409  # already claimed by the admin
    assert post(officer, code, "complete", 3, comment="x").status_code == 403  # not the claimer


def test_handoff_to_the_province_department_moves_visibility_and_authority(officer, seeded, host_client, runtime):
    units = seeded["alpha"].units
    code = processing(officer, seeded)
    bad = post(officer, code, "handoff", 2, unit_id=99999)
    assert bad.status_code == 422
    moved = post(officer, code, "handoff", 2, unit_id=units["department"], comment="Liên thông lên Sở")
    assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["steps"][0]["unit_id"] == units["department"]
    assert post(officer, code, "claim", 3).status_code == 403  # no longer on the commune's units
    assert officer.get(f"/api/v1/dossiers/{code}").status_code == 200  # the receiving unit still sees it
    mine = officer.get("/api/v1/dossiers?step_unit=true&page_size=100").get_json()
    assert code not in [d["code"] for d in mine]
    department = [("officer", units["department"])]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        inbox = session.scalars(
            services.inbox_query(session, {units["department"]}, services.InboxFilter(step_unit=True))
        ).all()
        assert code in [d.code for d in inbox]
        dossier = services.get_dossier(session, code, {units["department"]}, lock=True)  # visible to the Sở
        workflow.claim(session, SYSTEM, department, seeded["alpha"].staff["admin"], dossier, 3)
        workflow.complete(session, SYSTEM, seeded["alpha"].staff["admin"], dossier, 4, "Sở đã thẩm định")
        assert dossier.current_step == 1
        with pytest.raises(NotFound):
            services.get_dossier(session, code, {units["commune_b"]})
        session.rollback()
    history = officer.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert history[-1]["action"] == "step_handoff" and "Liên thông" in history[-1]["comment"]


def test_classification_of_steps_and_dossier_and_the_deadline_filters(runtime, seeded):
    units = seeded["alpha"].units
    staff = seeded["alpha"].staff["officer"]
    roles = [("officer", units["commune_a"])]
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)  # no holiday in March 2026

    def at(day, hour, minute=0):
        return dt.datetime(2026, 3, day, hour, minute, tzinfo=VIETNAM)

    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = intake_in(session, seeded, now=monday)
        services.transition(session, SYSTEM, dossier, 4, 1, tenant=seeded["alpha"].context, now=monday)
        version = 2

        def finish(when):
            nonlocal version
            workflow.claim(session, SYSTEM, roles, staff, dossier, version, now=when)
            workflow.complete(session, SYSTEM, staff, dossier, version + 1, "ok", now=when)
            version += 2

        steps = workflow.steps_of(session, dossier)
        assert steps[0].due_at == at(2, 11)  # 2 office hours
        finish(at(2, 10))  # same day as due: on time
        assert steps[1].due_at == at(2, 15)  # 3 office hours from 10:00 over the lunch break
        finish(at(3, 16))  # a day after: late
        assert steps[2].due_at == at(4, 8)  # 2 office hours from Tue 16:00
        finish(at(3, 16, 30))  # the day before: early
        assert [s.outcome for s in steps[:3]] == ["on_time", "late", "early"]
        assert steps[3].due_at == at(4, 7, 30)
        assert workflow.step_outcome(steps[3], at(3, 16, 30)) == "early"  # open: as of now
        assert workflow.step_outcome(steps[3], at(5, 9)) == "late"
        with pytest.raises(Forbidden):
            workflow.claim(session, SYSTEM, [("officer", units["commune_b"])], staff, dossier, version)
        finish(at(4, 9))
        with pytest.raises(Conflict):  # every step done
            workflow.claim(session, SYSTEM, roles, staff, dossier, version)
        assert workflow.dossier_outcome(dossier, at(4, 9)) == "early"  # due 9 March
        assert workflow.dossier_outcome(dossier, at(10, 9)) == "late"

        def inbox(**filters):
            query = services.inbox_query(session, {units["commune_a"]}, services.InboxFilter(**filters), now=now)
            return dossier.id in session.scalars(query.with_only_columns(services.Dossier.id)).all()

        now = at(9, 9)  # due today 17:00: 6 office hours left
        assert inbox(due_soon=8) and not inbox(due_soon=4) and not inbox(overdue=True)
        now = at(10, 9)
        assert inbox(overdue=True) and not inbox(due_soon=8)
        session.rollback()


def test_resuming_processing_keeps_the_steps(officer, seeded, runtime):
    code = processing(officer, seeded)
    for to_status, version, comment in ((5, 2, "Thiếu giấy tờ"), (4, 3, None)):
        body = {"to_status": to_status} | ({"comment": comment} if comment else {})
        headers = {"If-Match": f'"{version}"'}
        assert officer.post(f"/api/v1/dossiers/{code}/transitions", json=body, headers=headers).status_code == 200
    from motcua_onestop.dossiers.workflow.models import DossierStep

    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier_id = session.scalar(select(services.Dossier.id).where(services.Dossier.code == code))
        count = len(session.scalars(select(DossierStep.id).where(DossierStep.dossier_id == dossier_id)).all())
    assert count == 4


def test_step_unit_lists_a_dossier_while_its_open_current_step_is_on_my_units(officer, seeded, host_client):
    """step_unit follows the open current step through hand-off, completion, a supplement pause and the
    last step's end (the list reads the unit that workflow.py keeps on the dossier)."""
    units = seeded["alpha"].units
    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)  # every unit: the whole tenant
    code = processing(officer, seeded)
    version = 2

    def act(client, action, **body):
        nonlocal version
        response = post(client, code, action, version, **body)
        assert response.status_code == 200, response.get_json()
        version = int(response.headers["ETag"].strip('"'))

    def listed(client):
        response = client.get("/api/v1/dossiers?step_unit=true&page_size=100")
        assert response.status_code == 200, response.get_json()
        return code in [d["code"] for d in response.get_json()]

    assert listed(officer) and listed(admin)  # step 1 on the commune's centre
    act(officer, "handoff", unit_id=units["department"], comment="Liên thông lên Sở")
    assert not listed(officer) and listed(admin)
    act(admin, "claim")
    act(admin, "complete", comment="Sở đã xem")
    assert listed(officer)  # step 2 started on the commune
    paused = move(officer, code, 5, version, comment="Bổ sung giấy tờ")
    assert paused.status_code == 200, paused.get_json()
    assert not listed(officer) and not listed(admin)  # not in processing
    resumed = move(officer, code, 4, version + 1)
    assert resumed.status_code == 200, resumed.get_json()
    version += 2
    assert listed(officer)
    for _ in range(3):  # steps 2 to 4, all on the commune or its centre
        act(officer, "claim")
        act(officer, "complete", comment="xong")
    steps = officer.get(f"/api/v1/dossiers/{code}/steps").get_json()
    assert steps["status"] == 4 and all(s["finished_at"] for s in steps["steps"])
    assert not listed(officer) and not listed(admin)  # still in processing, but no step is open


@pytest.mark.parametrize(
    ("path", "final"),
    [((9, 10), 10), ((7,), 7), ((7, 8), 8), ((8,), 8)],
    ids=["result returned", "withdrawn", "withdrawn then stopped", "stopped"],
)
def test_a_finished_dossier_has_no_current_step(officer, seeded, host_client, path, final):
    """Returned (10), withdrawn (7), stopped (8): tracking, the dossier and its steps show no current step,
    and a step left open has no 'as of now' outcome; the steps themselves stay as they were."""
    code = processing(officer, seeded)
    assert officer.get(f"/api/v1/track/{code}").get_json()["current_step"] == "Tiếp nhận, kiểm tra hồ sơ"
    for version, status in enumerate(path, start=2):
        moved = move(officer, code, status, version, "Người nộp rút hồ sơ" if status == 8 else None)
        assert moved.status_code == 200, moved.get_json()
    anonymous = host_client(seeded["alpha"].host)
    tracked = anonymous.get(f"/api/v1/track/{code}").get_json()
    assert tracked["status"] == final and tracked["current_step"] is None
    assert officer.get(f"/api/v1/dossiers/{code}").get_json()["current_step"] is None
    steps = officer.get(f"/api/v1/dossiers/{code}/steps").get_json()
    assert steps["current_step"] is None and not any(step["current"] for step in steps["steps"])
    first = steps["steps"][0]
    assert first["started_at"] and first["finished_at"] is None and first["outcome"] is None


def test_a_step_is_assigned_to_a_colleague_who_may_act_on_it(officer, seeded, host_client):
    code = processing(officer, seeded)
    staff = seeded["alpha"].staff
    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    assert post(officer, code, "assign", None, staff_id=staff["admin"]).status_code == 428
    # finance staff hold no role a step takes: not someone it can go to, nothing changed
    refused = post(officer, code, "assign", 2, staff_id=staff["finance"])
    assert refused.status_code == 422 and "staff_id" in refused.get_json()["errors"]
    assert post(officer, code, "assign", 2, staff_id=987654).status_code == 422
    given = post(officer, code, "assign", 2, staff_id=staff["admin"], comment="nhờ anh xử lý")
    assert given.status_code == 200, given.get_json()
    assert given.headers["ETag"] == '"3"' and given.get_json()["steps"][0]["claimed_by"] == staff["admin"]
    assert post(officer, code, "assign", 2, staff_id=staff["officer"]).status_code == 409  # stale
    assert post(officer, code, "assign", 3, staff_id=staff["admin"]).status_code == 409  # already with them
    assert post(officer, code, "complete", 3, comment="x").status_code == 403  # the admin has it now
    assert post(admin, code, "complete", 3, comment="xong").status_code == 200
    history = officer.get(f"/api/v1/dossiers/{code}/history").get_json()
    assert [h["action"] for h in history][-2:] == ["step_assign", "step_complete"]
    assert "admin Tỉnh Alpha" in history[-2]["comment"] and "nhờ anh xử lý" in history[-2]["comment"]


def test_only_someone_who_may_act_on_a_step_assigns_it(officer, seeded, host_client):
    code = processing(officer, seeded)
    staff = seeded["alpha"].staff
    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    handed = admin.post(
        f"/api/v1/dossiers/{code}/steps/current/handoff",
        json={"unit_id": seeded["alpha"].units["commune_b"]},
        headers={"If-Match": '"2"'},
    )
    assert handed.status_code == 200
    # commune B's step: commune A's officer may neither take it nor give it to anyone
    assert post(officer, code, "assign", 3, staff_id=staff["admin"]).status_code == 403
    # and commune A's officer is no one it can go to
    assert post(admin, code, "assign", 3, staff_id=staff["officer"]).status_code == 422
    assert officer.get(f"/api/v1/dossiers/{code}/steps").get_json()["version"] == 3
