"""Late-notice job over a tenant holding 1,000,000 dossiers (the seed of ``benchmarks/dossiers.py``:
200 communes, a realistic spread of statuses and due dates, no applicant contact, so no messages).

1. The first run notices every open dossier (2, 4, 6) already past its effective due date: notice row,
   history entry and audit record each, in batches of 100 per transaction.
2. The steady state: a rerun with nothing new to notice (what every ten-minute run costs), p50/p95 over
   20 runs, with the EXPLAIN plan of the scan.

Usage: .venv/bin/python benchmarks/late_notices.py   (creates and drops its own database)
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common as c
import dossiers as seed  # the 1,000,000-dossier tenant of the dossier benchmark

RUNS = c.sized("BENCH_RUNS", 20, 1)


def measure(runtime) -> None:
    from motcua_onestop.dossiers.extensions import late_notices
    from motcua_platform.db.base import utcnow

    seed.seed_dossiers(runtime)
    with runtime.db.engine.connect() as conn:
        late = conn.exec_driver_sql(
            f"SELECT count(*) FROM t_{seed.SLUG}.dossiers WHERE status IN (2, 4, 6) "  # noqa: S608  (a constant)
            "AND coalesce(extended_due_at, due_at) < now()"
        ).scalar()
    print(f"   {late:,} open and past their due date")

    now = utcnow()
    tenant = runtime.tenant_context(seed.SLUG)
    started = time.perf_counter()
    first = late_notices.notify_tenant(runtime.db, tenant, now=now)
    first_s = time.perf_counter() - started
    with runtime.db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
            f"VACUUM ANALYZE t_{seed.SLUG}.dossier_late_notices"
        )
    latencies = []
    for _ in range(RUNS):
        started = time.perf_counter()
        again = late_notices.notify_tenant(runtime.db, tenant, now=now)
        latencies.append((time.perf_counter() - started) * 1000)
        assert again == 0
    latencies.sort()
    p50, p95 = latencies[max(len(latencies) // 2 - 1, 0)], latencies[max(int(len(latencies) * 0.95) - 1, 0)]
    print()
    print(
        c.table(
            ["over 1,000,000 dossiers", "dossiers noticed", "time"],
            [
                ["first run (every late dossier)", f"{first:,}", f"{first_s:.1f} s ({first / first_s:,.0f}/s)"],
                [f"rerun, nothing new (p50 / p95 of {RUNS})", "0", f"{p50:.1f} / {p95:.1f} ms"],
            ],
        )
    )
    with runtime.db.tenant_session(runtime.db.binding(seed.SLUG)) as session:
        scan = late_notices.late_query(now, late_notices.BATCH)  # exactly what the job sends
        compiled = scan.compile(session.get_bind(), compile_kwargs={"render_postcompile": True})
        plan = session.connection().exec_driver_sql(
            f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {compiled}", compiled.params
        )
        print("\n-- EXPLAIN the late-notice scan (nothing left to notice)")
        print("\n".join("   " + r[0] for r in plan))


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("late notices: first run and steady state over 1,000,000 dossiers")
    with c.fresh_database("motcua_bench_late") as url:
        env = c.motcua_env(url)
        c.apply_env(env)
        c.run_cli(["db", "upgrade"], env)

        from motcua_app import build_runtime
        from motcua_platform.audit.services import Actor

        runtime = build_runtime()
        seed.setup_tenant(runtime, Actor("system", None, "benchmark"))
        measure(runtime)
        runtime.db.dispose()
        runtime.jobs.close()
    print(f"\n   finished {dt.datetime.now().astimezone().isoformat(timespec='seconds')}")


if __name__ == "__main__":
    main()
