"""The ledger's daily roll-up (``billing_usage_daily``): the database keeps it in the statement that inserts
events, so it always equals the events' totals per tenant, metric and Vietnamese day — after re-delivered
event ids, outbox drains and direct inserts alike; counted events cannot be changed; the migration backfills
it. The vendor console's contract-year usage (``reports.services.glance``) reads it, cut on the contract
year's first day exactly as the events are."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from alembic import command
from billing_support import dossiers, ingest, vn
from motcua_billing.reports.services import glance
from motcua_billing.usage import services
from motcua_platform.directory.models import Tenant
from motcua_tenants.migrations.config import alembic_config
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from test_console_operator import signed_in

FROM_EVENTS = text(
    "SELECT tenant_id, metric_code, (occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, "
    "count(*), sum(quantity), max(quantity) FROM control.billing_usage_events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
)
FROM_ROLL_UP = text(
    "SELECT tenant_id, metric_code, day, events, quantity, peak FROM control.billing_usage_daily ORDER BY 1, 2, 3"
)
BEFORE_ROLL_UP = "c3e8a1f0b7d2"


def both(conn):
    return [tuple(r) for r in conn.execute(FROM_EVENTS)], [tuple(r) for r in conn.execute(FROM_ROLL_UP)]


def sms(event_id, quantity, occurred_at, tenant="alpha"):
    return {
        "tenant": tenant,
        "metric": "sms_sent",
        "event_id": event_id,
        "quantity": quantity,
        "occurred_at": occurred_at.isoformat(),
    }


def test_roll_up_equals_the_events_after_re_deliveries_drains_and_direct_calls(finance, seeded, runtime):
    ingest(finance, dossiers(40))
    # a sender retrying after a timeout: the same ids again (one with another quantity), plus new ones
    first = [sms("sms:1", "2.5", vn(2026, 10, 3)), sms("sms:2", 7, vn(2026, 10, 3)), sms("sms:3", 1, vn(2026, 10, 4))]
    retry = [sms("sms:1", 99, vn(2026, 10, 3)), first[1], sms("sms:4", "0.25", vn(2026, 10, 3))]
    assert ingest(finance, first)["accepted"] == 3
    assert ingest(finance, retry)["accepted"] == 1
    assert ingest(finance, dossiers(45) + dossiers(2, prefix="x") * 2)["accepted"] == 7  # duplicates in the batch
    ingest(finance, dossiers(5, tenant="beta"))
    # a peak metric, and the same id under another metric is its own event
    peaks = [
        {"tenant": "alpha", "metric": "storage_gb", "event_id": f"gb:{q}", "quantity": q, "occurred_at": at}
        for q, at in ((120, vn(2026, 10, 3).isoformat()), (80, vn(2026, 10, 3, 20).isoformat()))
    ]
    ingest(finance, peaks)
    with runtime.db.control_session() as session:
        assert services.record_usage(session, "alpha", "sms_sent", "sms:2", 7, vn(2026, 10, 3)) == "duplicate"
        assert services.record_usage(session, "alpha", "sms_sent", "sms:5", 3, vn(2026, 10, 3)) == "accepted"
        session.commit()
    db = runtime.db
    with db.tenant_session(db.binding("alpha")) as session:
        services.record_usage(session, "alpha", "sms_sent", "sms:6", 4, vn(2026, 10, 4))
        services.record_usage(session, "alpha", "sms_sent", "sms:5", 3, vn(2026, 10, 3))  # already in the ledger
        session.commit()
    assert services.drain_outbox(db, "alpha").accepted == 1
    with db.control_session() as session:
        events, roll_up = both(session)
        alpha = session.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))
        day = {(m, d): (n, q, p) for t, m, d, n, q, p in roll_up if t == alpha}
    assert events == roll_up and len(roll_up) > 30
    # 2.5 + 7 + 0.25 + 3 on the 3rd (the re-sent 99 counted nowhere), 1 + 4 on the 4th; the peak of the 3rd is 120
    assert day["sms_sent", dt.date(2026, 10, 3)] == (4, Decimal("12.75"), Decimal(7))
    assert day["sms_sent", dt.date(2026, 10, 4)] == (2, Decimal(5), Decimal(4))
    assert day["storage_gb", dt.date(2026, 10, 3)] == (2, Decimal(200), Decimal(120))


def test_days_are_cut_in_vietnam_and_a_direct_insert_is_counted_too(runtime, seeded):
    with runtime.db.control_session() as session:
        alpha = session.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))
        insert = text(
            "INSERT INTO control.billing_usage_events "
            "(tenant_id, metric_code, event_id, quantity, occurred_at, source) "
            "SELECT :t, 'sms_sent', 'direct:' || n, 1, CAST(:at AS timestamptz) + n * interval '1 hour', 'internal' "
            "FROM generate_series(0, 5) AS n ON CONFLICT DO NOTHING"
        )
        # 16:00–21:00 UTC on 31 October is 23:00 on the 31st, then 00:00–04:00 on 1 November in Vietnam
        params = {"t": alpha, "at": "2026-10-31T16:00:00+00:00"}
        session.execute(insert, params)
        session.execute(insert, params)  # all six again: nothing inserted, nothing added
        events, roll_up = both(session)
        session.rollback()
    assert events == roll_up
    days = {d: n for t, m, d, n, _q, _p in roll_up if m == "sms_sent"}
    assert days == {dt.date(2026, 10, 31): 1, dt.date(2026, 11, 1): 5}


def test_counted_events_cannot_be_changed(runtime, finance, seeded):
    ingest(finance, dossiers(3))
    with runtime.db.control_session() as session:
        for change in (
            "UPDATE control.billing_usage_events SET quantity = 5",
            "UPDATE control.billing_usage_events SET occurred_at = occurred_at - interval '1 month'",
            "DELETE FROM control.billing_usage_events",
            # Claims are regions of the ledger now (billing_usage_claims): no column of an event changes.
            "UPDATE control.billing_usage_events SET source = 'internal'",
        ):
            with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
                session.execute(text(change))
        session.rollback()


@pytest.mark.committed
def test_the_migration_backfills_the_events_already_there(runtime, seeded):
    with runtime.db.engine.connect() as conn:
        trans = conn.begin()
        try:
            alpha = conn.scalar(select(Tenant.id).where(Tenant.slug == "alpha"))
            command.downgrade(alembic_config("control", connection=conn), BEFORE_ROLL_UP)
            assert conn.scalar(text("SELECT to_regclass('control.billing_usage_daily')")) is None
            conn.execute(
                text(
                    "INSERT INTO control.billing_usage_events "
                    "(tenant_id, metric_code, event_id, quantity, occurred_at, source) "
                    "SELECT :t, 'sms_sent', 'old:' || n, n % 7, "
                    "CAST('2026-03-01T00:00:00+07:00' AS timestamptz) + n * interval '37 minutes', 'api' "
                    "FROM generate_series(1, 500) AS n"
                ),
                {"t": alpha},
            )
            command.upgrade(alembic_config("control", connection=conn), "heads")
            events, roll_up = both(conn)
            assert events == roll_up and sum(r[3] for r in roll_up) >= 500
            conn.execute(
                text(
                    "INSERT INTO control.billing_usage_events "
                    "(tenant_id, metric_code, event_id, quantity, occurred_at, source) "
                    "VALUES (:t, 'sms_sent', 'old:1', 3, now(), 'api'), (:t, 'sms_sent', 'new:1', 3, "
                    "'2026-03-01T00:00:00+07:00', 'api') ON CONFLICT DO NOTHING"
                ),
                {"t": alpha},
            )
            assert both(conn)[0] == both(conn)[1]
        finally:
            trans.rollback()


def contract_from_july(finance):
    """Beta's contract of two contract years, from 1 July 2025 to 30 June 2027."""
    created = finance.post(
        "/api/v1/billing/contracts",
        json={
            "tenant": "beta",
            "code": "HD-2025-BETA",
            "plan": "daklak",
            "starts_on": "2025-07-01",
            "ends_on": "2027-06-30",
        },
    )
    assert created.status_code == 201, created.get_json()


def test_glance_counts_exactly_the_contract_years_events(finance, contract, seeded, runtime):
    contract_from_july(finance)
    last_instant = dt.datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=vn(2026, 1).tzinfo)
    events = [
        *dossiers(3, month=(2026, 6), prefix="before", tenant="beta"),
        {
            "tenant": "beta",
            "metric": "dossiers_received",
            "event_id": "edge:last",
            "occurred_at": last_instant.isoformat(),
        },
        {
            "tenant": "beta",
            "metric": "dossiers_received",
            "event_id": "edge:first",
            "occurred_at": vn(2026, 7, 1, 0).isoformat(),
        },
        *dossiers(7, month=(2026, 9), prefix="after", tenant="beta"),
    ]
    ingest(finance, events)
    ingest(finance, events)  # delivered twice
    ingest(finance, dossiers(12, month=(2026, 3)))  # alpha's calendar-year contract
    with runtime.db.control_session() as session:
        ids = dict(session.execute(select(Tenant.slug, Tenant.id)).all())
        now = vn(2026, 10, 5)
        found = glance(session, [ids["alpha"], ids["beta"]], now=now)
        counted = session.scalar(
            text(
                "SELECT count(*) FROM control.billing_usage_events WHERE tenant_id = :t "
                "AND metric_code = 'dossiers_received' AND occurred_at >= :start AND occurred_at < :end"
            ),
            {"t": ids["beta"], "start": vn(2026, 7, 1, 0), "end": vn(2027, 7, 1, 0)},
        )
        # the first day of the previous year, as the figures stood then
        earlier = glance(session, [ids["beta"]], now=vn(2026, 6, 30, 23))[ids["beta"]]
    beta = found[ids["beta"]]
    assert (beta.year_start, beta.year_end) == (dt.date(2026, 7, 1), dt.date(2027, 7, 1))
    assert beta.used == counted == 8  # edge:first and the seven of September; not June's, not edge:last
    assert (earlier.year_start, earlier.used) == (dt.date(2025, 7, 1), 4)
    assert found[ids["alpha"]].used == 12 and found[ids["alpha"]].quota == 12000


def test_the_tenant_list_is_recomputed_on_every_request(host_client, finance, contract, seeded):
    admin = signed_in(host_client, "admin@vendor.test")
    ingest(finance, dossiers(30))

    def alpha_row():
        body = admin.get("/operator/tenants").get_data(as_text=True)
        return body.split('href="/operator/tenants/alpha"', 1)[1].split("</tr>", 1)[0]

    assert re.search(r"30 / 12[.,]000", alpha_row())
    ingest(finance, dossiers(31))  # one new, thirty re-delivered: no cache hides it, nothing counted twice
    assert re.search(r"31 / 12[.,]000", alpha_row())
