"""Dossiers: intake on three channels, codes, the state machine, deadlines, concurrency, tracking."""

import datetime as dt
import re
import threading

import pytest
from dossier_support import SYSTEM, citizen_client, intake_body, intake_in, move
from motcua_billing.usage.models import UsageOutbox
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.models import Dossier, DossierCounter
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select, text

CODE = re.compile(r"^000\.00\.51\.A01-\d{6}-\d{4}$")


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def receive(officer, seeded, channel="counter"):
    response = officer.post("/api/v1/dossiers", json=intake_body(seeded, channel))
    assert response.status_code == 201, response.get_json()
    return response


def test_counter_intake_gives_a_code_fees_due_date_history_and_usage(officer, seeded, runtime):
    first = receive(officer, seeded).get_json()
    second = receive(officer, seeded).get_json()
    assert CODE.match(first["code"]) and CODE.match(second["code"])
    assert int(second["code"][-4:]) == int(first["code"][-4:]) + 1
    assert first["status"] == 2 and first["version"] == 1 and first["received_at"] and first["due_at"]
    assert first["procedure_version"] >= 1 and first["total_fee"] == 0 and first["fees"]
    assert first["extended_due_at"] is None and first["allowed_transitions"] == [4, 7]
    shown = officer.get(f"/api/v1/dossiers/{first['code']}")
    assert shown.status_code == 200 and shown.headers["ETag"] == '"1"'
    history = officer.get(f"/api/v1/dossiers/{first['code']}/history").get_json()
    assert [(h["action"], h["to_status"]) for h in history] == [("intake_counter", 2)]
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        events = session.scalars(
            select(UsageOutbox.event_id).where(UsageOutbox.event_id == f"dossier:{first['id']}:received")
        ).all()
    assert events == [f"dossier:{first['id']}:received"]


def test_online_intake_by_a_citizen_waits_for_intake(host_client, officer, seeded, runtime):
    citizen = citizen_client(host_client, seeded)
    submitted = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert submitted.status_code == 201, submitted.get_json()
    dossier = submitted.get_json()
    assert dossier["status"] == 1 and dossier["received_at"] is None and dossier["due_at"] is None
    assert dossier["citizen_account_id"] == seeded["alpha"].citizen_id
    # counter and postal intake need an officer of the unit: a citizen's token is refused
    assert citizen.post("/api/v1/dossiers", json=intake_body(seeded, "postal")).status_code == 403
    assert (
        host_client(seeded["alpha"].host).post("/api/v1/dossiers", json=intake_body(seeded, "postal")).status_code
        == 401
    )
    received = move(officer, dossier["code"], 2, 1)
    assert received.status_code == 200 and received.get_json()["due_at"]
    assert move(officer, dossier["code"], 2, 2).status_code == 409  # 2 → 2 is not a transition
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        count = session.scalar(
            select(text("count(*)"))
            .select_from(UsageOutbox)
            .where(UsageOutbox.event_id == f"dossier:{dossier['id']}:received")
        )
    assert count == 1  # recorded once, when received, not at submission


def test_form_errors_come_all_at_once_in_vietnamese(officer, seeded):
    bad = officer.post(
        "/api/v1/dossiers",
        json=intake_body(seeded, form={"husband_citizen_id": "123", "wife_full_name": "X"}),
    )
    assert bad.status_code == 422
    errors = bad.get_json()["errors"]
    assert errors["husband_full_name"] == ["Trường này là bắt buộc."]
    assert "CCCD" in errors["husband_citizen_id"][0] and "residence" in errors and "wife_citizen_id" in errors
    unknown = officer.post("/api/v1/dossiers", json=intake_body(seeded, procedure_code="9.999999"))
    assert unknown.status_code == 404
    bad_unit = officer.post("/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=99999))
    assert bad_unit.status_code == 422


def test_officer_outside_the_unit_cannot_receive_see_or_act(host_client, officer, seeded):
    # the officer works for commune_a (and centre_a below it), not for commune_b
    other = officer.post(
        "/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=seeded["alpha"].units["commune_b"])
    )
    assert other.status_code == 403
    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    in_b = admin.post(
        "/api/v1/dossiers", json=intake_body(seeded, receiving_unit_id=seeded["alpha"].units["commune_b"])
    ).get_json()
    assert officer.get(f"/api/v1/dossiers/{in_b['code']}").status_code == 404
    assert officer.get(f"/api/v1/dossiers/{in_b['code']}/history").status_code == 404
    assert move(officer, in_b["code"], 4, 1).status_code == 404
    assert in_b["code"] not in [d["code"] for d in officer.get("/api/v1/dossiers?page_size=100").get_json()]
    assert in_b["code"] in [d["code"] for d in admin.get("/api/v1/dossiers?page_size=100").get_json()]
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert finance.get("/api/v1/dossiers").status_code == 403
    assert host_client(seeded["alpha"].host).get("/api/v1/dossiers").status_code == 401


def test_inbox_filters(officer, seeded):
    code = receive(officer, seeded).get_json()["code"]
    assert code in [d["code"] for d in officer.get("/api/v1/dossiers?status=2&page_size=100").get_json()]
    assert code not in [d["code"] for d in officer.get("/api/v1/dossiers?status=4&page_size=100").get_json()]
    assert code not in [d["code"] for d in officer.get("/api/v1/dossiers?overdue=true&page_size=100").get_json()]
    assert code in [d["code"] for d in officer.get("/api/v1/dossiers?overdue=false&page_size=100").get_json()]
    far = "2100-01-01T00:00:00%2B07:00"
    assert code in [d["code"] for d in officer.get(f"/api/v1/dossiers?due_before={far}&page_size=100").get_json()]
    past = "2000-01-01T00:00:00%2B07:00"
    assert officer.get(f"/api/v1/dossiers?due_before={past}").get_json() == []
    assert officer.get("/api/v1/dossiers?status=11").status_code == 422


def test_every_forbidden_transition_is_a_409_listing_the_allowed_ones(runtime, seeded):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = intake_in(session, seeded, "online")
        for source in services.Status:
            for target in services.Status:
                dossier.status, dossier.received_at = source, (dossier.submitted_at if source != 1 else None)
                allowed = services.allowed_targets(dossier)
                if int(target) in allowed:
                    continue
                with pytest.raises(services.Conflict) as caught:
                    services.transition(
                        session, SYSTEM, dossier, target, dossier.version, "lý do", tenant=seeded["alpha"].context
                    )
                assert caught.value.errors["allowed"] == allowed, (source, target)
        session.rollback()


def test_lifecycle_and_forbidden_transition_over_http(officer, seeded, host_client):
    code = receive(officer, seeded).get_json()["code"]
    refused = move(officer, code, 9, 1)
    assert refused.status_code == 409
    body = refused.get_json()
    assert body["errors"]["allowed"] == [4, 7] and "allowed: 4" in body["message"]
    for to_status, version in ((4, 1), (6, 2), (4, 3), (9, 4), (10, 5)):
        response = move(officer, code, to_status, version)
        assert response.status_code == 200, response.get_json()
        assert response.headers["ETag"] == f'"{version + 1}"'
    final = officer.get(f"/api/v1/dossiers/{code}").get_json()
    assert final["status"] == 10 and final["finished_at"] and final["returned_at"]
    assert final["allowed_transitions"] == [] and final["current_step"] is None  # result returned: no step
    assert move(officer, code, 4, 6).get_json()["message"].endswith("allowed: none (final status).")
    actions = [h["action"] for h in officer.get(f"/api/v1/dossiers/{code}/history").get_json()]
    assert actions == ["intake_counter", "process", "request_payment", "process", "finish", "return_result"]


def test_withdraw_then_stop_and_reasons_are_required(officer, seeded):
    code = receive(officer, seeded).get_json()["code"]
    assert move(officer, code, 4, 1).status_code == 200
    assert move(officer, code, 8, 2).status_code == 422  # stopping needs a reason
    assert move(officer, code, 7, 2).status_code == 200
    assert move(officer, code, 8, 3, "Công dân rút hồ sơ").status_code == 200


def test_stale_if_match_is_409_and_missing_is_428(officer, seeded):
    code = receive(officer, seeded).get_json()["code"]
    assert move(officer, code, 4, 1).status_code == 200
    stale = move(officer, code, 5, 1, "Thiếu giấy tờ")  # a second officer still holding version 1
    assert stale.status_code == 409 and "changed by someone else" in stale.get_json()["message"]
    missing = officer.post(f"/api/v1/dossiers/{code}/transitions", json={"to_status": 5, "comment": "x"})
    assert missing.status_code == 428 and missing.get_json()["code"] == "precondition_required"
    garbage = officer.post(f"/api/v1/dossiers/{code}/transitions", json={"to_status": 5}, headers={"If-Match": "abc"})
    assert garbage.status_code == 422
    superscript = officer.post(
        f"/api/v1/dossiers/{code}/transitions", json={"to_status": 5, "comment": "x"}, headers={"If-Match": '"²"'}
    )
    assert superscript.status_code == 422 and "If-Match" in superscript.get_json()["errors"]


def test_supplement_time_is_excluded_and_the_original_due_date_never_changes(runtime, seeded):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)  # no holiday in March 2026
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = intake_in(session, seeded, now=monday)
        original = dt.datetime(2026, 3, 9, 17, 0, tzinfo=VIETNAM)  # 5 working days
        assert dossier.due_at == original
        step = dict(session=session, actor=SYSTEM, dossier=dossier, tenant=seeded["alpha"].context)
        services.transition(**step, to_status=4, expected_version=1, now=monday)
        services.transition(**step, to_status=5, expected_version=2, comment="Thiếu giấy tờ", now=monday)
        services.transition(**step, to_status=4, expected_version=3, now=monday + dt.timedelta(days=2))
        assert dossier.due_at == original
        assert dossier.extended_due_at == dt.datetime(2026, 3, 11, 17, 0, tzinfo=VIETNAM)  # two working days
        # a pause over a weekend costs only its working time
        friday = dt.datetime(2026, 3, 6, 16, 0, tzinfo=VIETNAM)
        services.transition(**step, to_status=5, expected_version=4, comment="Lần hai", now=friday)
        services.transition(**step, to_status=4, expected_version=5, now=friday + dt.timedelta(days=3))  # Mon 16:00
        assert dossier.due_at == original
        assert dossier.extended_due_at == dt.datetime(2026, 3, 12, 17, 0, tzinfo=VIETNAM)
        session.rollback()


def test_tracking_is_public_and_shows_no_personal_data(host_client, officer, seeded):
    code = receive(officer, seeded).get_json()["code"]
    public = host_client(seeded["alpha"].host).get(f"/api/v1/track/{code}")
    assert public.status_code == 200
    body = public.get_json()
    assert body["code"] == code and body["status"] == 2 and body["due_at"] and body["procedure_name"]
    raw = public.get_data(as_text=True)
    for personal in ("079090001111", "Trần Văn Chồng", "0901234567", "Lê Thị Vợ", "Xã A"):
        assert personal not in raw
    assert host_client(seeded["alpha"].host).get("/api/v1/track/NOPE-000000-0000").status_code == 404
    # another tenant's host does not know the code
    assert host_client(seeded["beta"].host).get(f"/api/v1/track/{code}").status_code == 404


@pytest.mark.committed
def test_concurrent_intake_never_repeats_or_skips_a_number(runtime, seeded):
    binding = runtime.db.binding("alpha")
    unit = seeded["alpha"].units["centre_a"]
    codes, failures = [], []
    barrier = threading.Barrier(8)

    def worker():
        try:
            barrier.wait()
            for _ in range(3):
                with runtime.db.tenant_session(binding) as session:
                    dossier = intake_in(session, seeded, unit=unit)
                    session.commit()
                    codes.append(dossier.code)
        except Exception as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        numbers = sorted(int(code[-4:]) for code in codes)
        assert len(set(codes)) == 24
        assert numbers == list(range(numbers[0], numbers[0] + 24))
        assert all(re.match(r"^000\.00\.53\.A01-\d{6}-\d{4}$", code) for code in codes)
    finally:
        _delete_unit_dossiers(runtime, binding, unit)


def _delete_unit_dossiers(runtime, binding, unit):
    """Clean up after a committed test: the unit's dossiers, their history, usage and counters."""
    with runtime.db.engine.begin() as conn:
        ids = [
            row[0]
            for row in conn.execute(text("SELECT id FROM t_alpha.dossiers WHERE receiving_unit_id = :u"), {"u": unit})
        ]
        codes = [
            row[0] for row in conn.execute(text("SELECT code FROM t_alpha.dossiers WHERE id = ANY(:ids)"), {"ids": ids})
        ]
        conn.execute(text("DELETE FROM t_alpha.dossier_history WHERE dossier_id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("DELETE FROM t_alpha.dossier_steps WHERE dossier_id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("DELETE FROM t_alpha.notification_outbox WHERE dossier_id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("DELETE FROM t_alpha.national_sync_outbox WHERE dossier_id = ANY(:ids)"), {"ids": ids})
        conn.execute(
            text("DELETE FROM t_alpha.billing_usage_outbox WHERE event_id = ANY(:e)"),
            {"e": [f"dossier:{i}:received" for i in ids]},
        )
        conn.execute(
            text("DELETE FROM t_alpha.audit_events WHERE target = ANY(:t)"), {"t": [f"dossier:{c}" for c in codes]}
        )
        conn.execute(text("DELETE FROM t_alpha.dossiers WHERE id = ANY(:ids)"), {"ids": ids})
        conn.execute(text("DELETE FROM t_alpha.dossier_counters WHERE unit_id = :u"), {"u": unit})
    with runtime.db.tenant_session(binding) as session:
        assert session.scalar(select(Dossier.id).where(Dossier.receiving_unit_id == unit)) is None
        assert session.scalar(select(DossierCounter.day).where(DossierCounter.unit_id == unit)) is None


@pytest.mark.committed
def test_two_officers_acting_at_once_one_succeeds_the_other_gets_409(runtime, seeded):
    binding = runtime.db.binding("alpha")
    unit = seeded["alpha"].units["centre_a"]
    officers = {seeded["alpha"].units["commune_a"]}
    try:
        with runtime.db.tenant_session(binding) as session:
            code = intake_in(session, seeded, unit=unit, officers=officers).code
            session.commit()
        outcomes, barrier = [], threading.Barrier(2)

        def act(to_status, comment):
            barrier.wait()
            with runtime.db.tenant_session(binding) as session:
                try:
                    dossier = services.get_dossier(session, code, officers, lock=True)
                    services.transition(session, SYSTEM, dossier, to_status, 1, comment, tenant=seeded["alpha"].context)
                    session.commit()
                    outcomes.append("ok")
                except services.Conflict:
                    outcomes.append("conflict")

        threads = [threading.Thread(target=act, args=(4, None)), threading.Thread(target=act, args=(7, "Rút"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["conflict", "ok"]
        with runtime.db.tenant_session(binding) as session:
            assert session.scalar(select(Dossier.version).where(Dossier.code == code)) == 2
    finally:
        _delete_unit_dossiers(runtime, binding, unit)
