"""Intake writes a dossier in two statements (ADR 0033): the number, id and the account's recent
submissions in one; the dossier, its history entry, audit event and messages in another
(``db.together``). What must hold whatever the statements: everything or nothing is written, a refused
or failed intake consumes no number, concurrent intakes never repeat or skip one, and the returned
dossier is an ordinary persistent object of the session."""

import dataclasses
import datetime as dt
import threading

import pytest
from dossier_support import FORM, MARRIAGE, SYSTEM, citizen_client, intake_body
from motcua_billing.usage.models import UsageOutbox
from motcua_onestop.dossiers import notices
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.dossiers.models import Dossier, DossierCounter, DossierHistory
from motcua_onestop.notifications.models import NotificationOutbox
from motcua_platform.audit.models import TenantAuditEvent
from motcua_platform.db.together import Rows, insert_together
from motcua_platform.plugins.engine import active
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DataError, IntegrityError
from test_dossiers import _delete_unit_dossiers


def counts(runtime, code: str) -> dict:
    """What one dossier left behind: itself, its history, its audit events, its messages, its usage."""
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
        return {
            "dossier": 0 if dossier_id is None else 1,
            "history": session.scalar(
                select(func.count()).select_from(DossierHistory).where(DossierHistory.dossier_id == dossier_id)
            ),
            "audit": session.scalar(
                select(func.count()).select_from(TenantAuditEvent).where(TenantAuditEvent.target == f"dossier:{code}")
            ),
            "messages": session.scalar(
                select(func.count()).select_from(NotificationOutbox).where(NotificationOutbox.dossier_id == dossier_id)
            ),
            "usage": session.scalar(
                select(func.count())
                .select_from(UsageOutbox)
                .where(UsageOutbox.event_id == f"dossier:{dossier_id}:received")
            ),
        }


def table_counts(runtime) -> list[int]:
    tables = (Dossier, DossierHistory, TenantAuditEvent, NotificationOutbox, UsageOutbox)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        return [session.scalar(select(func.count()).select_from(table)) for table in tables]


def number(code: str) -> int:
    return int(code.rsplit("-", 1)[1])


def test_an_online_submission_writes_its_dossier_history_audit_and_acknowledgement(host_client, seeded, runtime):
    citizen = citizen_client(host_client, seeded)
    response = citizen.post("/api/v1/dossiers", json=intake_body(seeded, "online"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert counts(runtime, body["code"]) == {"dossier": 1, "history": 1, "audit": 1, "messages": 2, "usage": 0}
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        stored = session.scalar(select(Dossier).where(Dossier.code == body["code"]))
        keys = set(session.scalars(select(NotificationOutbox.idempotency_key)))
        history = session.execute(
            select(DossierHistory.action, DossierHistory.from_status, DossierHistory.to_status).where(
                DossierHistory.dossier_id == body["id"]
            )
        ).all()
    # what the response showed is what was stored, value for value
    assert stored.id == body["id"] and stored.form_data == body["form_data"] == FORM
    assert stored.fees == body["fees"] and stored.total_fee == body["total_fee"] and stored.status == 1
    assert stored.submitted_at.isoformat() == dt.datetime.fromisoformat(body["submitted_at"]).isoformat()
    assert stored.citizen_account_id == seeded["alpha"].citizen_id and stored.version == 1
    assert stored.created_at is not None and stored.received_at is None and stored.due_at is None
    assert {f"dossier:{stored.id}:submitted:email", f"dossier:{stored.id}:submitted:sms"} <= keys
    assert history == [("intake_online", None, 1)]


def test_a_counter_intake_writes_one_usage_event_and_its_due_date(host_client, seeded, runtime):
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    body = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()
    assert body["status"] == 2 and body["received_at"] and body["due_at"]
    assert counts(runtime, body["code"]) == {"dossier": 1, "history": 1, "audit": 1, "messages": 1, "usage": 1}


def test_a_write_that_fails_leaves_nothing_and_takes_no_number(host_client, seeded, runtime, monkeypatch):
    """The messages are the last rows of the intake's one statement: when they cannot be written, neither
    is the dossier, its history, its audit event, its usage event or its number."""
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    first = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    real = notices.messages_on_status_change

    def too_long(*args, **kwargs):
        return [{**row, "recipient": "x" * 201} for row in real(*args, **kwargs)]  # VARCHAR(200)

    monkeypatch.setattr(notices, "messages_on_status_change", too_long)
    before = table_counts(runtime)
    failed = officer.post("/api/v1/dossiers", json=intake_body(seeded))
    assert failed.status_code == 422, failed.get_json()
    monkeypatch.setattr(notices, "messages_on_status_change", real)
    assert table_counts(runtime) == before
    second = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    assert number(second) == number(first) + 1


def test_an_account_over_its_hourly_limit_takes_no_number(host_client, seeded, runtime, monkeypatch):
    monkeypatch.setattr(runtime, "config", dataclasses.replace(runtime.config, online_submissions_per_hour=2))
    citizen = citizen_client(host_client, seeded)
    body = intake_body(seeded, "online")
    codes = [citizen.post("/api/v1/dossiers", json=body).get_json()["code"] for _ in range(2)]
    refused = citizen.post("/api/v1/dossiers", json=body)
    assert refused.status_code == 429 and 3500 < int(refused.headers["Retry-After"]) <= 3601
    officer = host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])
    after = officer.post("/api/v1/dossiers", json=intake_body(seeded)).get_json()["code"]
    assert [number(c) for c in [*codes, after]] == [number(codes[0]) + k for k in range(3)]


def test_the_returned_dossier_belongs_to_the_session(runtime, seeded):
    """A console attaches documents to the dossier intake returns, in the same transaction: the object
    must be persistent, fully loaded (no read-back) and flushed like any other when changed."""
    units = seeded["alpha"].units
    data = intake.Intake(MARRIAGE, units["commune_a"], "counter", "A", FORM, None, "0901234567")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        statements = []
        dossier = intake.intake(session, SYSTEM, {units["root"]}, active(), seeded["alpha"].context, data)
        assert dossier in session and not session.dirty and dossier.created_at and dossier.updated_at

        def count(*args):
            statements.append(args[2])

        event.listen(runtime.db.engine, "before_cursor_execute", count)
        try:
            assert dossier.due_at and dossier.code and dossier.current_step is None  # loaded: no SELECT
            assert statements == []
            dossier.applicant_contact = "lan@example.vn"
            dossier.version += 1
            session.flush()
        finally:
            event.remove(runtime.db.engine, "before_cursor_execute", count)
        stored = session.execute(
            text("SELECT applicant_contact, version FROM dossiers WHERE id = :id"), {"id": dossier.id}
        ).one()
        assert tuple(stored) == ("lan@example.vn", 2)


def test_rows_written_together_keep_their_types_and_constraints(runtime, seeded):
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        moment = dt.datetime(2026, 12, 6, 1, 2, 3, 456789, tzinfo=dt.UTC)
        account = seeded["alpha"].citizen_id
        [dossier_id] = session.execute(text("SELECT nextval('dossiers_id_seq')")).one()
        procedure = session.scalar(text("SELECT id FROM procedures WHERE code = :c LIMIT 1"), {"c": MARRIAGE})
        row = {
            "id": dossier_id,
            "code": "T-1",
            "procedure_id": procedure,
            "receiving_unit_id": seeded["alpha"].units["commune_a"],
            "channel": "online",
            "applicant_name": 'Nguyễn Thị Ánh "Tuyết" \\ \' ',
            "applicant_citizen_id": None,
            "applicant_contact": None,
            "citizen_account_id": account,
            "form_data": {"a": [1, 2.5, None, True], "b": {"c": "ở đây"}},
            "fees": [{"name": "Lệ phí", "amount": 50000, "note": None}],
            "total_fee": 9_007_199_254_740_993,  # past a double's exact integers
            "status": 1,
            "submitted_at": moment,
            "due_at": dt.datetime(2026, 12, 13, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=7))),
        }
        created = insert_together(
            session,
            [
                Rows(Dossier.__table__, [row]),
                Rows(DossierHistory.__table__, [{"dossier_id": dossier_id, "actor": "t", "action": "a"}]),
            ],
            returning=[Dossier.__table__.c.created_at],
        )
        assert created[0] is not None
        stored = session.execute(text("SELECT * FROM dossiers WHERE id = :id"), {"id": dossier_id}).mappings().one()
        for key, value in row.items():
            assert stored[key] == value, key
        assert stored["version"] == 1  # the column's Python-side default, applied
        # a unique key: ON CONFLICT DO NOTHING when asked, an error otherwise
        message = {"dossier_id": dossier_id, "event": "submitted", "channel": "email", "recipient": "a@b.vn"}
        message |= {"subject": "s", "body": "b", "idempotency_key": f"k{dossier_id}"}
        outbox = NotificationOutbox.__table__
        insert_together(session, [Rows(outbox, [message, message], skip_conflicts_on=("idempotency_key",))])
        assert session.scalar(select(func.count()).select_from(outbox).where(outbox.c.dossier_id == dossier_id)) == 1
        with pytest.raises(IntegrityError), session.begin_nested():
            insert_together(session, [Rows(outbox, [message])])
        with pytest.raises(DataError), session.begin_nested():  # VARCHAR(80)
            insert_together(session, [Rows(Dossier.__table__, [{**row, "id": dossier_id + 10**9, "code": "x" * 81}])])
        with pytest.raises(ValueError, match="differ"):
            insert_together(session, [Rows(outbox, [message, {"dossier_id": dossier_id}])])
        with pytest.raises(TypeError):
            insert_together(session, [Rows(Dossier.__table__, [{**row, "code": b"bytes"}])])
        session.rollback()


@pytest.mark.committed
def test_concurrent_online_submissions_never_repeat_a_number_or_lose_a_row(runtime, seeded):
    """Eight accounts' worth of online submissions at once at one unit, each checked against the hourly
    limit in the statement that takes its number: consecutive numbers, and each dossier with exactly one
    history entry, one audit event and its acknowledgement."""
    binding = runtime.db.binding("alpha")
    unit = seeded["alpha"].units["centre_a"]
    codes, failures = [], []
    barrier = threading.Barrier(8)
    data = intake.Intake(
        MARRIAGE,
        unit,
        "online",
        "Công Dân",
        FORM,
        citizen_account_id=seeded["alpha"].citizen_id,
        account_contact="citizen@alpha.test",
    )

    def worker():
        try:
            barrier.wait()
            for _ in range(3):
                with runtime.db.tenant_session(binding) as session:
                    dossier = intake.intake(
                        session, SYSTEM, set(), active(), seeded["alpha"].context, data, submissions_per_hour=1000
                    )
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
        numbers = sorted(number(code) for code in codes)
        assert len(set(codes)) == 24 and numbers == list(range(numbers[0], numbers[0] + 24))
        for code in codes:
            assert counts(runtime, code) == {"dossier": 1, "history": 1, "audit": 1, "messages": 1, "usage": 0}
        with runtime.db.tenant_session(binding) as session:
            last = session.scalar(select(DossierCounter.last_number).where(DossierCounter.unit_id == unit))
        assert last == numbers[-1]
    finally:
        _delete_unit_dossiers(runtime, binding, unit)
