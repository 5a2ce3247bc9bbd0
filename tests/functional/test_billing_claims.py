"""Exactly once: every usage event of a finalized period is claimed by exactly one finalized invoice line —
through finalizing, late usage and its adjustment, voiding and re-running — and claims are regions of the
ledger (``billing_usage_claims``) that the database keeps disjoint, with inserts held while a finalization
reads the ledger (docs/decisions/0030-usage-claims-as-ledger-regions.md)."""

import datetime as dt
from decimal import Decimal

import pytest
from billing_support import dossiers, ingest, vn
from motcua_billing.invoices.lifecycle import finalize
from motcua_platform.audit.services import Actor
from motcua_platform.directory.models import Tenant
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from test_billing_invoices import run, usage_for_october

ACTOR = Actor("cli", None, "test")

# Each event of alpha with the finalized lines whose claims cover it (none, one, or — a bug — more).
CLAIMS_PER_EVENT = text(
    """
    SELECT e.event_id, e.occurred_at, array_agg(c.invoice_line_id ORDER BY c.invoice_line_id)
                                        FILTER (WHERE c.id IS NOT NULL) AS lines
    FROM control.billing_usage_events e
    LEFT JOIN control.billing_usage_claims c
      ON c.tenant_id = e.tenant_id AND c.metric_code = e.metric_code
     AND c.occurred_from <= e.occurred_at AND c.occurred_before > e.occurred_at
     AND c.after_event_id < e.id AND c.through_event_id >= e.id
    WHERE e.tenant_id = (SELECT id FROM control.tenants WHERE slug = 'alpha')
    GROUP BY e.id, e.event_id, e.occurred_at
    """
)


def claims_of(runtime) -> dict[str, list[int]]:
    with runtime.db.control_session() as session:
        return {event_id: lines or [] for event_id, _at, lines in session.execute(CLAIMS_PER_EVENT)}


def lines_of(finance, invoice_id) -> dict[str, dict]:
    body = finance.get(f"/api/v1/billing/invoices/{invoice_id}").get_json()
    return {f"{line['kind']}:{line['metric_code']}": line for line in body["lines"]}


def listed(finance, invoice_id, line, *, claimed: bool = True) -> list[str]:
    """The events the API lists for a line, each naming the line that claimed it (none while a draft)."""
    response = finance.get(f"/api/v1/billing/invoices/{invoice_id}/lines/{line['id']}/usage?page_size=100")
    assert response.status_code == 200
    events = response.get_json()
    assert all(e["invoice_line_id"] == (line["id"] if claimed else None) for e in events)
    return sorted(e["event_id"] for e in events)


def finalized(finance, invoice_id) -> dict:
    response = finance.post(f"/api/v1/billing/invoices/{invoice_id}/finalize")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_every_event_is_claimed_by_exactly_one_finalized_line(finance, contract, runtime):
    usage_for_october(finance)
    ingest(finance, dossiers(40, month=(2026, 9), prefix="sep"))
    october = run(finance)["invoice_ids"][0]
    finalized(finance, october)
    claims = claims_of(runtime)
    october_lines = lines_of(finance, october)
    # Every October event is claimed once, by its metric's line; September (not finalized) and November not.
    for event_id, lines in claims.items():
        if event_id.startswith("dossier:sep") or event_id == "sms:nov":
            assert lines == [], event_id
        else:
            assert len(lines) == 1, (event_id, lines)
    dossier_line = october_lines["usage:dossiers_received"]
    claimed = listed(finance, october, dossier_line)
    assert all(claims[e] == [dossier_line["id"]] for e in claimed)
    assert sum(1 for lines in claims.values() if lines == [dossier_line["id"]]) == dossier_line["event_count"] == 1200

    # Late October usage: unclaimed, then claimed once by November's adjustment line, never twice.
    ingest(finance, dossiers(3, prefix="late"))
    late = [f"dossier:late{i}:received" for i in range(3)]
    assert all(claims_of(runtime)[e] == [] for e in late)
    november = run(finance, "2026-11")["invoice_ids"][0]
    adjustment = lines_of(finance, november)["adjustment:dossiers_received"]
    assert adjustment["event_count"] == 3
    assert listed(finance, november, adjustment, claimed=False) == late  # a draft lists the unclaimed events
    body = finalized(finance, november)
    adjustment = next(line for line in body["lines"] if line["kind"] == "adjustment")
    claims = claims_of(runtime)
    assert all(claims[e] == [adjustment["id"]] for e in late)
    assert all(len(lines) == 1 for e, lines in claims.items() if not e.startswith("dossier:sep") and e != "sms:nov")
    assert listed(finance, november, adjustment) == late

    # Voiding November releases its claims (late usage unclaimed again); the replacement claims it once more.
    voided = finance.post(f"/api/v1/billing/invoices/{november}/void", json={"reason": "Sai thông tin"})
    assert voided.status_code == 200, voided.get_json()
    assert all(claims_of(runtime)[e] == [] for e in late)
    replacement = run(finance, "2026-11")["invoice_ids"][0]
    assert replacement != november
    body = finalized(finance, replacement)
    adjustment = next(line for line in body["lines"] if line["kind"] == "adjustment")
    assert adjustment["event_count"] == 3
    claims = claims_of(runtime)
    assert all(claims[e] == [adjustment["id"]] for e in late)
    assert all(len(lines) <= 1 for lines in claims.values())


def test_the_database_refuses_a_claim_that_overlaps_another(finance, contract, runtime):
    usage_for_october(finance)
    october = run(finance)["invoice_ids"][0]
    body = finalized(finance, october)
    line = next(line for line in body["lines"] if line["metric_code"] == "dossiers_received")
    with runtime.db.control_session() as session:
        claim = session.execute(
            text("SELECT * FROM control.billing_usage_claims WHERE invoice_line_id = :line"), {"line": line["id"]}
        ).one()
        lease = next(other for other in body["lines"] if other["kind"] == "lease")
        overlapping = {
            "line": lease["id"],
            "tenant": claim.tenant_id,
            "metric": claim.metric_code,
            "from": claim.occurred_from + dt.timedelta(days=3),
            "before": claim.occurred_before + dt.timedelta(days=30),
            "after": claim.through_event_id - 1,
            "through": claim.through_event_id + 10,
        }
        with pytest.raises(DBAPIError, match="overlaps another claim"), session.begin_nested():
            session.execute(
                text(
                    "INSERT INTO control.billing_usage_claims (invoice_line_id, tenant_id, metric_code, "
                    "occurred_from, occurred_before, after_event_id, through_event_id, events, quantity, peak) "
                    "VALUES (:line, :tenant, :metric, :from, :before, :after, :through, 1, 1, 1)"
                ),
                overlapping,
            )
        # Events are never updated, not even to claim them: the claims' regions rely on that.
        with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
            session.execute(text("UPDATE control.billing_usage_events SET received_at = now()"))


# An October event on a day (the 30th) and with an id the test's own uncommitted usage does not touch, so
# that the only lock it can wait for is the ledger's (the roll-up row of a day is locked by its writer).
INSERT_ONE = text(
    "INSERT INTO control.billing_usage_events (tenant_id, metric_code, event_id, quantity, occurred_at, source) "
    "VALUES (:t, 'dossiers_received', :event_id, 1, :at, 'api')"
)


def insert_elsewhere(engine, alpha, event_id, *, keep: bool = False):
    """Insert one October event for alpha on another connection (giving up after 300 ms of waiting for a
    lock); roll it back unless ``keep``, then return the open connection."""
    other = engine.connect()
    other.execute(text("SET lock_timeout = '300ms'"))
    other.execute(INSERT_ONE, {"t": alpha, "event_id": event_id, "at": vn(2026, 10, 30)})
    if not keep:
        other.rollback()
    return other


def test_inserts_wait_for_a_finalization(finance, contract, runtime):
    usage_for_october(finance)
    october = run(finance)["invoice_ids"][0]
    with runtime.db.control_session() as session:
        alpha = session.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))
        insert_elsewhere(runtime.db.engine, alpha, "before").close()  # nothing else holds such an insert
        finalize(session, ACTOR, october)  # not committed: the ledger stays locked against inserts
        with pytest.raises(OperationalError, match="lock timeout"):
            insert_elsewhere(runtime.db.engine, alpha, "during").close()


def test_a_finalization_waits_for_inserts_under_way(finance, contract, runtime):
    usage_for_october(finance)
    october = run(finance)["invoice_ids"][0]
    with runtime.db.control_session() as session:
        alpha = session.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))
    # An event inserted and not yet committed: its id is drawn, but no finalization could see it yet.
    other = insert_elsewhere(runtime.db.engine, alpha, "under-way", keep=True)
    try:
        with runtime.db.control_session() as session:
            session.execute(text("SET LOCAL lock_timeout = '300ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                finalize(session, ACTOR, october)
            session.rollback()
    finally:
        other.rollback()
        other.close()
    with runtime.db.control_session() as session:
        invoice = finalize(session, ACTOR, october)
        line = next(line for line in invoice.lines if line.metric_code == "dossiers_received")
        assert line.event_count == 1200 and line.quantity == Decimal(1200)


CLAIMS = text(
    "SELECT invoice_line_id, events, after_event_id, through_event_id FROM control.billing_usage_claims "
    "ORDER BY invoice_line_id"
)


def test_the_migration_converts_claims_both_ways(finance, contract, runtime):
    from alembic import command
    from motcua_tenants.migrations.config import alembic_config

    usage_for_october(finance)
    october = run(finance)["invoice_ids"][0]
    finalized(finance, october)
    ingest(finance, dossiers(3, prefix="late"))
    november = run(finance, "2026-11")["invoice_ids"][0]
    finalized(finance, november)  # an adjustment line: a second region on October's window
    before = claims_of(runtime)
    with runtime.db.control_session() as session:
        conn = session.connection()  # the test's transaction: the migrations run in it and are rolled back
        claims = conn.execute(CLAIMS).all()
        assert sum(c.events for c in claims) == sum(len(lines) for lines in before.values())
        assert any(c.after_event_id > 0 and c.events == 3 for c in claims)  # the adjustment's region
        command.downgrade(alembic_config("control", connection=conn), "d5a2f7c91e34")
        per_event = conn.execute(
            text("SELECT event_id, invoice_line_id FROM control.billing_usage_events WHERE invoice_line_id IS NOT NULL")
        ).all()
        assert {e: [line] for e, line in per_event} == {e: lines for e, lines in before.items() if lines}
        command.upgrade(alembic_config("control", connection=conn), "heads")
        # The regions come back narrowed to the claimed ids (and none for a line that claimed nothing),
        # holding the same events per line.
        assert {c.invoice_line_id: c.events for c in conn.execute(CLAIMS)} == {
            c.invoice_line_id: c.events for c in claims if c.events
        }
    assert claims_of(runtime) == before
