"""Benchmark: the vendor console's tenant list (``GET /operator/tenants``) with 34 provinces.

    .venv/bin/python benchmarks/console_tenants.py

Creates database ``motcua_bench_console``, migrates the control plane (``motcua db upgrade``), then records
BENCH_TENANTS (34, Vietnam's provinces since 2025) tenants with ``services.create_tenant`` (a custom domain
each) and marks them active: the list reads the control plane only, so their schemas are not built (that is
``provision_tenant.py``'s measure). Each gets a plan's contract for this year (``create_contract``) and
BENCH_EVENTS (30,000: a province's year of dossiers, ~1M events in all) usage events of its main metric
this contract year, inserted with ``INSERT … SELECT generate_series`` (the ledger's trigger keeps the daily
roll-up, ADR 0028), then ``ANALYZE``. An admin operator logs in to the console (the login form, with its
CSRF token) through the Flask test client on the platform host, and the page is requested BENCH_REQUESTS
(200) times after 10 warm-up requests, twice: as served and with the per-process caches (tenant resolver,
sessions) emptied before each request; the usage figures are added up on every request either way. Prints
p50/p95/max server time (wall time of the request in the app, in process), the SQL statements per request,
whether the target is met, ``EXPLAIN (ANALYZE, BUFFERS)`` of the usage statement, and what the roll-up costs
ingestion: ``usage.services.ingest`` of 5,000-event batches with the trigger and with it disabled.
Target: p95 ≤ 100 ms. Only prints; never fails on time.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

DB_NAME = "motcua_bench_console"
TENANTS = c.sized("BENCH_TENANTS", 34, 3)
EVENTS = c.sized("BENCH_EVENTS", 30_000, 10)
REQUESTS = c.sized("BENCH_REQUESTS", 200, 5)
INGEST_BATCHES = c.sized("BENCH_INGEST_BATCHES", 5, 1)
WARMUP = 10
TARGET_MS = 100.0
PASSWORD = "Sen-hong-giua-dam-48"


def seed(runtime) -> None:
    from motcua_billing.catalog import services as catalog
    from motcua_billing.catalog.daklak_terms import LEASE_VND, OVERAGE_BUDGET_VND, PILOT_CHARGES
    from motcua_platform.audit.services import Actor
    from motcua_platform.auth import services as auth
    from motcua_platform.directory.models import Tenant
    from motcua_tenants.registry import services
    from sqlalchemy import text, update

    actor = Actor("cli", None, "benchmark")
    year = dt.date.today().year
    with runtime.db.control_session() as session:
        auth.create_operator(
            session, actor, email="admin@vendor.example", full_name="Bench Admin", password=PASSWORD, role="admin"
        )
        catalog.create_plan(
            session,
            actor,
            code="daklak",
            name="Thuê dịch vụ một cửa điện tử",
            annual_fee_vnd=LEASE_VND,
            overage_budget_vnd=OVERAGE_BUDGET_VND,
            charges=PILOT_CHARGES,
        )
        for i in range(1, TENANTS + 1):
            slug = f"tinh{i:02d}"
            spec = services.TenantSpec(
                slug=slug, name=f"Tỉnh Thử {i}", unit_code=f"000.00.00.H{i:02d}", domains=[f"dichvucong.{slug}.gov.vn"]
            )
            services.create_tenant(session, actor, spec, base_domain=runtime.config.base_domain)
            catalog.create_contract(
                session,
                actor,
                tenant=slug,
                code=f"HD-{year}-{slug.upper()}",
                plan="daklak",
                starts_on=dt.date(year, 1, 1),
                ends_on=dt.date(year, 12, 31),
            )
        session.execute(update(Tenant).values(status="active"))
        session.execute(
            text(
                "INSERT INTO control.billing_usage_events "
                "(tenant_id, metric_code, event_id, quantity, occurred_at, source) "
                "SELECT t.id, :metric, 'bench:' || n, 1, "
                "date_trunc('year', now()) + (n % 300) * interval '1 day' + (n % 1440) * interval '1 minute', "
                "'internal' FROM control.tenants t CROSS JOIN generate_series(1, :events) AS n"
            ),
            {"metric": PILOT_CHARGES[0]["metric_code"], "events": EVENTS},
        )
        session.commit()
    with runtime.db.control_session() as session:  # as autovacuum would after a bulk load
        session.execute(text("ANALYZE control.billing_usage_events, control.billing_usage_daily"))
        session.commit()


def explain_usage_statement(runtime) -> str:
    """The plan of the one statement that adds up the tenants' usage (``glance``), as the page sends it."""
    from motcua_billing.reports.services import glance
    from motcua_platform.directory.models import Tenant
    from sqlalchemy import event, select

    captured = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if "billing_usage_daily" in statement:
            captured.append((statement, parameters))

    with runtime.db.control_session() as session:
        ids = list(session.scalars(select(Tenant.id)))
        event.listen(runtime.db.engine, "before_cursor_execute", keep)
        try:
            glance(session, ids)
        finally:
            event.remove(runtime.db.engine, "before_cursor_execute", keep)
        statement, parameters = captured[-1]
        cursor = session.connection().connection.driver_connection.cursor()
        rows = cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
        session.rollback()
    return "\n".join("     " + row[0] for row in rows)


def ingest_cost(runtime, batches: int) -> list[list]:
    """ms per 5,000-event batch through ``usage.services.ingest`` (validation, one INSERT, the roll-up's
    trigger), alternately with the trigger enabled and disabled; each batch is rolled back."""
    from motcua_billing.catalog.daklak_terms import PILOT_CHARGES
    from motcua_billing.usage.services import ingest
    from motcua_platform.db.base import utcnow
    from sqlalchemy import text

    now = utcnow()
    items = [
        {
            "tenant": f"tinh{1 + n % TENANTS:02d}",
            "metric": PILOT_CHARGES[0]["metric_code"],
            "event_id": f"ingest:{n}",
            "occurred_at": now - dt.timedelta(minutes=n),
        }
        for n in range(5000)
    ]
    times = {True: [], False: []}
    for round_ in range(batches * 2):
        with_trigger = round_ % 2 == 0
        with runtime.db.control_session() as session:
            if not with_trigger:
                session.execute(
                    text("ALTER TABLE control.billing_usage_events DISABLE TRIGGER billing_usage_daily_add")
                )
            t0 = time.perf_counter()
            result = ingest(session, items, now=now)
            times[with_trigger].append((time.perf_counter() - t0) * 1000)
            assert result.count("accepted") == len(items)
            session.rollback()
    return [
        [label, batches, f"{statistics.median(times[flag]):.1f}", f"{max(times[flag]):.1f}"]
        for label, flag in (("roll-up trigger enabled", True), ("trigger disabled", False))
    ]


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(f"console_tenants: GET /operator/tenants with {TENANTS} tenants, in process")
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, tempfile.mkdtemp(prefix="motcua-bench-console-"))
        print(f"   setup: motcua db upgrade (control plane) {c.run_cli(['db', 'upgrade'], env):.2f}s")
        c.apply_env(env)
        import logging

        from motcua_app import create_app
        from sqlalchemy import event

        app = create_app()
        logging.getLogger().setLevel(logging.WARNING)
        runtime = app.extensions["motcua"]
        started = time.perf_counter()
        seed(runtime)
        seeded = time.perf_counter() - started
        print(f"   setup: {TENANTS} tenants, contracts and {EVENTS:,} usage events each {seeded:.2f}s")
        host = {"Host": runtime.config.base_domain}
        client = app.test_client()
        page = client.get("/operator/login", headers=host).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        login = client.post(
            "/operator/login",
            headers=host,
            data={"email": "admin@vendor.example", "password": PASSWORD, "csrf_token": token},
        )
        assert login.status_code == 303, login.get_data(as_text=True)[:500]

        from motcua_platform.cache import clear_all

        statements = 0

        def count(*_args, **_kwargs):
            nonlocal statements
            statements += 1

        def measure(recompute: bool) -> tuple[list[float], float, str]:
            """Server time of each request (ms), SQL statements per request and the last page. With
            ``recompute`` the per-process caches are emptied before each request, so the usage figures are
            added up anew every time (the cost of the first request after they expire)."""
            nonlocal statements
            for _ in range(WARMUP):
                assert client.get("/operator/tenants", headers=host).status_code == 200
            statements, times = 0, []
            for _ in range(REQUESTS):
                if recompute:
                    clear_all()
                t0 = time.perf_counter()
                response = client.get("/operator/tenants", headers=host)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200
            return sorted(times), statements / REQUESTS, response.get_data(as_text=True)

        event.listen(runtime.db.engine, "before_cursor_execute", count)
        try:
            served = measure(recompute=False)
            recomputed = measure(recompute=True)
            event.remove(runtime.db.engine, "before_cursor_execute", count)
            plan = explain_usage_statement(runtime)
            ingestion = ingest_cost(runtime, INGEST_BATCHES)
        finally:
            if event.contains(runtime.db.engine, "before_cursor_execute", count):
                event.remove(runtime.db.engine, "before_cursor_execute", count)
            runtime.db.dispose()
            runtime.jobs.close()
        rows = []
        for label, (times, per_request, body) in (
            ("as served", served),
            ("per-process caches emptied before each", recomputed),
        ):
            assert body.count('href="/operator/tenants/tinh') == TENANTS, "every tenant is listed"
            assert body.count("<progress") == TENANTS, "every tenant has its usage bar"
            p95 = times[max(0, int(len(times) * 0.95) - 1)]
            rows.append(
                [
                    label,
                    TENANTS,
                    REQUESTS,
                    f"{statistics.median(times):.1f}",
                    f"{p95:.1f}",
                    f"{times[-1]:.1f}",
                    f"{per_request:.1f}",
                    f"≤ {TARGET_MS:.0f} ms: {'met' if p95 <= TARGET_MS else 'NOT met'}",
                ]
            )
        print()
        print("GET /operator/tenants, server time in process (Flask test client), after 10 warm-up requests")
        print(
            c.table(
                ["case", "tenants", "requests", "p50 ms", "p95 ms", "max ms", "SQL per request", "target p95"], rows
            )
        )
        print()
        print("EXPLAIN (ANALYZE, BUFFERS) of the usage statement (reports.services.glance):")
        print(plan)
        print()
        print("usage.services.ingest of a 5,000-event batch (rolled back), ms")
        print(c.table(["case", "batches", "median ms", "max ms"], ingestion))
        print(f"   load average after the run: {c.loadavg()} (on a busy machine every figure is higher)")


if __name__ == "__main__":
    main()
