"""Benchmark: the vendor console's tenant list (``GET /operator/tenants``) with 34 provinces.

    .venv/bin/python benchmarks/console_tenants.py

Creates database ``motcua_bench_console``, migrates the control plane (``motcua db upgrade``), then records
BENCH_TENANTS (34, Vietnam's provinces since 2025) tenants with ``services.create_tenant`` (a custom domain
each) and marks them active: the list reads the control plane only, so their schemas are not built (that is
``provision_tenant.py``'s measure). Each gets a plan's contract for this year (``create_contract``) and
BENCH_EVENTS (2,000) usage events of its main metric this contract year, inserted with
``INSERT … SELECT generate_series``. An admin operator logs in to the console (the login form, with its
CSRF token) through the Flask test client on the platform host, and the page is requested BENCH_REQUESTS
(200) times after 10 warm-up requests, twice: as served (the usage figures are added up at most once a
minute per process) and with them recomputed on every request (the per-process caches emptied before
each). Prints p50/p95/max server time (wall time of the request in the app, in process), the SQL
statements per request, and whether the target is met. Target: p95 ≤ 100 ms.
Only prints; never fails on time.
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
EVENTS = c.sized("BENCH_EVENTS", 2000, 10)
REQUESTS = c.sized("BENCH_REQUESTS", 200, 5)
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
                "SELECT t.id, :metric, 'bench:' || n, 1, date_trunc('year', now()) + (n % 300) * interval '1 day', "
                "'internal' FROM control.tenants t CROSS JOIN generate_series(1, :events) AS n"
            ),
            {"metric": PILOT_CHARGES[0]["metric_code"], "events": EVENTS},
        )
        session.commit()


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
        print(f"   setup: {TENANTS} tenants, contracts and {EVENTS} usage events each {seeded:.2f}s")
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
        finally:
            event.remove(runtime.db.engine, "before_cursor_execute", count)
            runtime.db.dispose()
            runtime.jobs.close()
        rows = []
        for label, (times, per_request, body) in (
            ("as served (usage figures ≤ 60 s old)", served),
            ("usage figures recomputed each request", recomputed),
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
        print(f"   load average after the run: {c.loadavg()} (on a busy machine every figure is higher)")


if __name__ == "__main__":
    main()
