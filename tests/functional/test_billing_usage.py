"""Usage ingestion: batch API with a result per item, deduplication, bad input, and record_usage from a
control-plane session and from a tenant-bound session (tenant outbox drained into the ledger)."""

import datetime as dt
from decimal import Decimal

import pytest
from billing_support import dossiers, ingest, vn
from motcua_app.testing.pytest_plugin import HostClient
from motcua_billing.usage import services
from motcua_billing.usage.models import UsageEvent, UsageOutbox
from motcua_platform.errors import InvalidInput
from sqlalchemy import func, select

URL = "/api/v1/billing/usage-events"


def ledger_count(runtime, **filters):
    with runtime.db.control_session() as session:
        query = select(func.count()).select_from(UsageEvent)
        for key, value in filters.items():
            query = query.where(getattr(UsageEvent, key) == value)
        return session.scalar(query)


def test_batch_reports_each_item_and_never_counts_a_duplicate_twice(finance, seeded, runtime):
    first = ingest(finance, dossiers(3))
    assert (first["accepted"], first["duplicates"], first["rejected"]) == (3, 0, 0)
    assert [r["status"] for r in first["results"]] == ["accepted"] * 3
    retry = ingest(finance, dossiers(4))  # a sender retrying after a timeout, plus one new event
    assert [r["status"] for r in retry["results"]] == ["duplicate", "duplicate", "duplicate", "accepted"]
    same_batch = ingest(finance, dossiers(1, prefix="z") * 2)
    assert [r["status"] for r in same_batch["results"]] == ["accepted", "duplicate"]
    assert ledger_count(runtime, metric_code="dossiers_received") == 5
    # The key is per tenant: beta's event with the same id is its own.
    assert ingest(finance, dossiers(1, tenant="beta"))["accepted"] == 1


def test_bad_items_are_rejected_with_reasons_and_the_rest_stored(finance, seeded, runtime):
    now = dt.datetime.now(dt.UTC)
    good = {
        "tenant": "alpha",
        "metric": "sms_sent",
        "event_id": "sms:ok",
        "quantity": 3,
        "occurred_at": now.isoformat(),
    }
    items = [
        good,
        {**good, "event_id": "sms:neg", "quantity": -1},
        {**good, "event_id": "sms:text", "quantity": "mười"},
        {**good, "event_id": "sms:nan", "quantity": "NaN"},
        {**good, "event_id": "sms:metric", "metric": "fax_pages"},
        {**good, "event_id": "sms:tenant", "tenant": "gamma"},
        {**good, "event_id": "sms:future", "occurred_at": (now + dt.timedelta(days=2)).isoformat()},
        {**good, "event_id": "sms:naive", "occurred_at": "2026-10-01T09:00:00"},
        {**good, "event_id": "with space"},
        {**good, "event_id": "count:2", "metric": "dossiers_received", "quantity": 2},
        "not an object",
    ]
    body = ingest(finance, items, rejected=10)
    assert (body["accepted"], body["rejected"]) == (1, 10)
    errors = {r["event_id"]: r.get("errors", {}) for r in body["results"]}
    assert "negative" in errors["sms:neg"]["quantity"][0]
    assert "not a number" in errors["sms:text"]["quantity"][0]
    assert "not a number" in errors["sms:nan"]["quantity"][0] or "finite" in errors["sms:nan"]["quantity"][0]
    assert errors["sms:metric"]["metric"] == ["Unknown metric 'fax_pages'."]
    assert errors["sms:tenant"]["tenant"] == ["Unknown tenant 'gamma'."]
    assert "future" in errors["sms:future"]["occurred_at"][0]
    assert "offset" in errors["sms:naive"]["occurred_at"][0]
    assert "event_id" in errors["with space"]
    assert "counts events" in errors["count:2"]["quantity"][0]
    assert body["results"][-1]["errors"] == {"_schema": ["Each event is an object."]}
    assert ledger_count(runtime) == 1


def test_batch_envelope_errors_use_the_one_error_format(finance, seeded, app):
    for payload in ({}, {"events": []}, {"events": "x"}, {"events": [{}], "extra": 1}):
        response = finance.post(URL, json=payload)
        assert response.status_code == 422
        assert set(response.get_json()) == {"status", "code", "message", "errors"}
    malformed = finance.post(URL, data="{", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and malformed.get_json()["code"] == "malformed_json"
    anonymous = HostClient(app, "motcua.test").post(URL, json={"events": dossiers(1)})
    assert anonymous.status_code == 401


def test_late_events_are_accepted(finance, seeded):
    old = ingest(finance, [{**dossiers(1)[0], "event_id": "old:1", "occurred_at": vn(2025, 3).isoformat()}])
    assert old["accepted"] == 1


def test_record_usage_on_a_control_session_is_part_of_the_callers_transaction(runtime, seeded):
    with runtime.db.control_session() as session:
        assert services.record_usage(session, "alpha", "sms_sent", "sms:42", 7, vn(2026, 10, 2)) == "accepted"
        assert services.record_usage(session, "alpha", "sms_sent", "sms:42", 7, vn(2026, 10, 2)) == "duplicate"
        with pytest.raises(InvalidInput) as bad:
            services.record_usage(session, "alpha", "sms_sent", "sms:43", Decimal(-1), vn(2026, 10, 2))
        assert "quantity" in bad.value.errors
        with pytest.raises(InvalidInput):
            services.record_usage(session, "nowhere", "sms_sent", "sms:44")
        session.rollback()  # the caller's fact failed: the usage goes with it
    assert ledger_count(runtime) == 0


def test_record_usage_from_a_tenant_session_goes_through_the_outbox(runtime, seeded, statement_guard):
    """The tenant role cannot touch control; the event lands in t_alpha.billing_usage_outbox in the
    caller's transaction and the drain moves it to the ledger, exactly once."""
    db = runtime.db
    with db.tenant_session(db.binding("alpha")) as session:
        result = services.record_usage(session, "alpha", "dossiers_received", "dossier:7:received", 1, vn(2026, 10, 5))
        assert result == "accepted"
        assert services.record_usage(session, "alpha", "dossiers_received", "dossier:7:received") == "duplicate"
        services.record_usage(session, "alpha", "no_such_metric", "x:1", 1, vn(2026, 10, 5))
        with pytest.raises(InvalidInput, match="bound to tenant 'alpha'"):
            services.record_usage(session, "beta", "dossiers_received", "dossier:8:received")
        with pytest.raises(InvalidInput):
            services.record_usage(session, "alpha", "dossiers_received", "d:9", "abc")
        assert services.pending_outbox(session) == 2
        session.commit()
    assert statement_guard.violations == []
    assert ledger_count(runtime) == 0

    report = services.drain_outbox(db, "alpha")
    assert (report.accepted, report.duplicates, report.rejected) == (1, 0, 1)
    assert ledger_count(runtime, event_id="dossier:7:received", source="outbox") == 1
    with db.tenant_session(db.binding("alpha")) as session:
        rows = {r.event_id: r for r in session.scalars(select(UsageOutbox))}
        assert rows["dossier:7:received"].outcome == "accepted" and rows["dossier:7:received"].drained_at
        assert rows["x:1"].outcome == "rejected" and "Unknown metric" in rows["x:1"].error
        assert services.pending_outbox(session) == 0
    # Draining again changes nothing; a direct duplicate of the same fact is a no-op.
    assert services.drain_outbox(db, "alpha").accepted == 0
    with db.control_session() as session:
        assert services.record_usage(session, "alpha", "dossiers_received", "dossier:7:received") == "duplicate"


def test_tenant_role_really_cannot_read_the_ledger(runtime, seeded, statement_guard):
    from sqlalchemy.exc import ProgrammingError

    db = runtime.db
    with db.tenant_session(db.binding("alpha")) as session:
        with pytest.raises(ProgrammingError, match="permission denied"):
            session.execute(select(func.count()).select_from(UsageEvent))
        session.rollback()
    assert statement_guard.violations  # the guard saw it too; this test crosses on purpose
    statement_guard.violations.clear()
