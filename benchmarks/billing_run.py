"""Billing benchmark: the invoice run for 34 tenants holding 1,000,000 usage events in the period.

    .venv/bin/python benchmarks/billing_run.py

Creates database ``motcua_bench_billing_run``, migrates it, provisions BENCH_TENANTS (34, one per province
after the 2025 merger) tenants, gives each the Đắk Lắk contract (``motcua_billing.catalog.daklak_terms``:
1,188 million VND lease, 240 million overage budget; api_calls priced too, so five priced metrics), loads
BENCH_EVENTS (1,000,000) usage events spread over October 2026 (Asia/Ho_Chi_Minh) with ``INSERT … SELECT``,
then times:

  * ``run_period`` for 2026-10 in this process: the first run (34 drafts created) and a re-run (nothing
    changes), BENCH_REPEAT times each;
  * the CLI ``motcua billing run --period 2026-10`` as a subprocess (drains the 34 tenant outboxes, re-run);
  * finalizing the 34 drafts, one transaction each as the API does (each claims its events: one claim per
    invoice line, docs/decisions/0030-usage-claims-as-ledger-regions.md), then checks that every event is
    claimed by exactly one line.

Targets: the invoice run takes at most 10 s; finalizing the 34 invoices at most 3 s (issue 14). Prints
figures; never fails on time; drops its database.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

DB_NAME = "motcua_bench_billing_run"
TENANTS = c.sized("BENCH_TENANTS", 34, 2)
EVENTS = c.sized("BENCH_EVENTS", 1_000_000, 100)
REPEAT = c.sized("BENCH_REPEAT", 3, 1)
TARGET_SECONDS = 10.0
FINALIZE_TARGET_SECONDS = 3.0

# The Đắk Lắk plan, with the API gateway's calls priced too so that all five metrics are rated.
API_CALLS = {
    "metric_code": "api_calls",
    "included_quantity": 10000,
    "model": "package",
    "package_size": 1000,
    "package_price": 20000,
}


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(f"billing_run: invoice run for {TENANTS} tenants, {EVENTS:,} usage events in the period")
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, tempfile.mkdtemp(prefix="motcua-bench-billing-"))
        print(f"   setup: motcua db upgrade {c.run_cli(['db', 'upgrade'], env):.2f}s")
        c.apply_env(env)
        from motcua_app import build_runtime
        from motcua_billing.catalog import services as catalog
        from motcua_billing.catalog.daklak_terms import LEASE_VND, OVERAGE_BUDGET_VND, PILOT_CHARGES
        from motcua_billing.invoices.lifecycle import finalize
        from motcua_billing.invoices.models import Invoice, InvoiceLine
        from motcua_billing.invoices.run import run_period
        from motcua_platform.audit.services import Actor
        from motcua_tenants.registry import services as registry
        from sqlalchemy import func, select, text

        runtime = build_runtime()
        db = runtime.db
        actor = Actor("cli", None, "benchmark")
        started = time.perf_counter()
        with db.control_session() as session:
            catalog.create_plan(
                session,
                actor,
                code="daklak",
                name="Thuê dịch vụ một cửa điện tử",
                annual_fee_vnd=LEASE_VND,
                overage_budget_vnd=OVERAGE_BUDGET_VND,
                charges=[*PILOT_CHARGES, API_CALLS],
            )
            session.commit()
        for i in range(1, TENANTS + 1):
            slug = f"tinh{i:02d}"
            spec = registry.TenantSpec(slug=slug, name=f"Tỉnh {i:02d}", unit_code=f"000.00.00.H{i:02d}")
            with db.control_session() as session:
                job = registry.create_tenant(session, actor, spec, base_domain=runtime.config.base_domain)
                session.commit()
            registry.provision(db, job.id)
            with db.control_session() as session:
                catalog.create_contract(
                    session,
                    actor,
                    tenant=slug,
                    code=f"HD-{slug}",
                    plan="daklak",
                    starts_on=dt.date(2026, 1, 1),
                    ends_on=dt.date(2026, 12, 31),
                )
                session.commit()
        print(f"   setup: {TENANTS} tenants provisioned with contracts in {time.perf_counter() - started:.2f}s")

        started = time.perf_counter()
        with db.engine.begin() as conn:
            # Spread EVENTS over tenants and metrics, all within October 2026 in Hà Nội time.
            conn.execute(
                text(
                    """
                    INSERT INTO control.billing_usage_events
                        (tenant_id, metric_code, event_id, quantity, occurred_at, source)
                    SELECT t.ids[1 + n % cardinality(t.ids)],
                           (ARRAY['dossiers_received','dossiers_received','dossiers_received','api_calls',
                                  'api_calls','sms_sent','storage_gb','officer_seats'])[1 + (n / 7) % 8],
                           'bench:' || n,
                           CASE (n / 7) % 8 WHEN 5 THEN 3 WHEN 6 THEN 400 + n % 150 WHEN 7 THEN 250 + n % 80 ELSE 1 END,
                           timestamptz '2026-10-01 00:00:00+07' + (n % 2678400) * interval '1 second',
                           'api'
                    FROM generate_series(0, :events - 1) AS n,
                         (SELECT array_agg(id ORDER BY id) AS ids FROM control.tenants) AS t
                    """
                ),
                {"events": EVENTS},
            )
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE control.billing_usage_events"))
        print(f"   setup: loaded {EVENTS:,} usage events in {time.perf_counter() - started:.2f}s")
        sys.stdout.flush()

        month = dt.date(2026, 10, 1)
        rows = []
        first_times, rerun_times = [], []
        for attempt in range(REPEAT):
            if attempt:
                with db.engine.begin() as conn:  # back to no invoices, for another first run
                    conn.execute(text("DELETE FROM control.billing_invoices"))
            with db.control_session() as session:
                t0 = time.perf_counter()
                report = run_period(session, actor, month, vat_rate=Decimal(10))
                session.commit()
                first_times.append(time.perf_counter() - t0)
            assert len(report.created) == TENANTS, report.as_dict()
            with db.control_session() as session:
                t0 = time.perf_counter()
                again = run_period(session, actor, month, vat_rate=Decimal(10))
                session.commit()
                rerun_times.append(time.perf_counter() - t0)
            assert len(again.unchanged) == TENANTS and not again.updated, again.as_dict()
        lo, mid, hi = c.summary(first_times)
        rows.append(["run_period 2026-10, first run (34 drafts)", f"{lo:.2f}", f"{mid:.2f}", f"{hi:.2f}"])
        lo, mid, hi = c.summary(rerun_times)
        rows.append(["run_period 2026-10, re-run (unchanged)", f"{lo:.2f}", f"{mid:.2f}", f"{hi:.2f}"])
        cli = [c.run_cli(["billing", "run", "--period", "2026-10"], env) for _ in range(REPEAT)]
        lo, mid, hi = c.summary(cli)
        rows.append(["motcua billing run --period 2026-10 (process)", f"{lo:.2f}", f"{mid:.2f}", f"{hi:.2f}"])

        with db.control_session() as session:
            ids = list(session.scalars(select(Invoice.id).order_by(Invoice.id)))
            counted = session.scalar(select(func.sum(InvoiceLine.event_count)).where(InvoiceLine.invoice_id.in_(ids)))
        per_invoice = []
        for invoice_id in ids:
            with db.control_session() as session:
                t0 = time.perf_counter()
                finalize(session, actor, invoice_id)
                session.commit()
                per_invoice.append(time.perf_counter() - t0)
        finalize_seconds = sum(per_invoice)
        rows.append([f"finalize {len(ids)} invoices (claims {counted:,} events)", f"{finalize_seconds:.2f}", "", ""])
        lo, mid, hi = c.summary(per_invoice)
        rows.append(["finalize one invoice (of the above)", f"{lo:.3f}", f"{mid:.3f}", f"{hi:.3f}"])
        with db.control_session() as session:
            total = session.scalar(select(func.sum(Invoice.total_vnd)))
        with db.engine.connect() as conn:
            # Exactly once: every event is covered by one claim, none by two (not timed).
            covered, distinct, events = conn.execute(
                text(
                    """
                    SELECT count(*), count(DISTINCT e.id), (SELECT count(*) FROM control.billing_usage_events)
                    FROM control.billing_usage_events e
                    JOIN control.billing_usage_claims c
                      ON c.tenant_id = e.tenant_id AND c.metric_code = e.metric_code
                     AND c.occurred_from <= e.occurred_at AND c.occurred_before > e.occurred_at
                     AND c.after_event_id < e.id AND c.through_event_id >= e.id
                    """
                )
            ).one()
        assert covered == distinct == events == counted, (covered, distinct, events, counted)
        print()
        print(c.table(["step", "min s", "median s", "max s"], rows))
        print()
        verdict = "meets" if max(first_times) <= TARGET_SECONDS else "MISSES"
        print(
            f"   invoice run: median {c.summary(first_times)[1]:.2f}s for {TENANTS} tenants / {EVENTS:,} events "
            f"({verdict} the {TARGET_SECONDS:.0f}s target); invoiced {total:,} VND incl. VAT"
        )
        verdict = "meets" if finalize_seconds <= FINALIZE_TARGET_SECONDS else "MISSES"
        print(
            f"   FINALIZE: {finalize_seconds:.2f}s for {len(ids)} invoices claiming {counted:,} events "
            f"({1000 * finalize_seconds / len(ids):.0f} ms per invoice; {verdict} the "
            f"{FINALIZE_TARGET_SECONDS:.0f}s target); each event claimed exactly once ({covered:,} of {events:,})"
        )
        print(f"   loadavg after: {c.loadavg()}")
        runtime.jobs.close()
        db.dispose()


if __name__ == "__main__":
    main()
