"""Issue 15 (ADR 0042): what the trigger that forgets kept statistics costs the writes that process dossiers.

    .venv/bin/python benchmarks/statistics_forget_trigger.py

Since kept days (ADR 0042) the update trigger ``statistics_forget_periods_changed`` calls its function for a
change of any dossier received before today (before, before this month), which is most processing. This
creates database ``motcua_bench_forget`` with the tenant of ``benchmarks/dossiers.py`` and BENCH_DOSSIERS
(100,000) of its dossiers, then, BENCH_ROUNDS (7) times, updates BENCH_ROWS (20,000) dossiers received before
today in one statement as a transition touches them (``closed_status`` set again: an event column, no event
time moved, so nothing is forgotten), with the trigger enabled and disabled in turn, each in a transaction
rolled back. Prints the microseconds per row of each and their difference, and the function's own time per call
as PostgreSQL tracks it (``track_functions = 'pl'``, ``pg_stat_xact_user_functions``). Only prints.
"""

from __future__ import annotations

import os
import statistics as stats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

if not c.SMOKE:
    os.environ.setdefault("BENCH_DOSSIERS", "100000")  # before the seed reads it
import dossiers as seed

ROWS = c.sized("BENCH_ROWS", 20_000, 200)
ROUNDS = c.sized("BENCH_ROUNDS", 7, 2)
TODAY = "date_trunc('day', now() AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh'"
TOUCH = f"""
UPDATE dossiers SET closed_status = closed_status
WHERE id IN (SELECT id FROM dossiers WHERE received_at < {TODAY} ORDER BY id LIMIT %s)
"""  # noqa: S608 (constants)
# what this backend has counted so far (it keeps counting across transactions until it reports them)
FUNCTION_STATS = """
SELECT coalesce(sum(calls), 0), coalesce(sum(total_time), 0) FROM pg_stat_xact_user_functions
WHERE funcname = 'statistics_forget_periods'
"""


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(f"statistics_forget_trigger: {ROWS:,} dossiers changed per statement, {ROUNDS} rounds")
    with c.fresh_database("motcua_bench_forget") as url:
        env = seed.bench_env(url)
        c.apply_env(env)
        c.run_cli(["db", "upgrade"], env)

        import psycopg
        from motcua_app import build_runtime
        from motcua_platform.audit.services import Actor

        runtime = build_runtime()
        seed.setup_tenant(runtime, Actor("system", None, "benchmark"))
        seed.seed_dossiers(runtime)
        times: dict[str, list[float]] = {"enabled": [], "disabled": []}
        per_call: list[float] = []
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            conn.execute(f"SET search_path TO t_{seed.SLUG}")
            conn.execute("SET track_functions = 'pl'")
            conn.commit()
            for _round in range(ROUNDS):
                for state in ("enabled", "disabled"):
                    if state == "disabled":
                        conn.execute("ALTER TABLE dossiers DISABLE TRIGGER statistics_forget_periods_changed")
                    calls_before, ms_before = conn.execute(FUNCTION_STATS).fetchone()
                    started = time.perf_counter()
                    touched = conn.execute(TOUCH, (ROWS,)).rowcount
                    if not touched:
                        raise SystemExit("no dossier received before today to change")
                    times[state].append((time.perf_counter() - started) * 1e6 / touched)
                    if state == "enabled":
                        calls, total_ms = conn.execute(FUNCTION_STATS).fetchone()
                        assert calls - calls_before == touched, (calls, calls_before, touched)  # once per dossier
                        per_call.append((total_ms - ms_before) * 1000 / touched)
                    conn.rollback()
        print(c.table(
            ["trigger", "µs per changed dossier (median)", "range"],
            [[state, f"{stats.median(values):.2f}", f"{min(values):.2f}–{max(values):.2f}"]
             for state, values in times.items()],
        ))  # fmt: skip
        cost = stats.median(times["enabled"]) - stats.median(times["disabled"])
        print(f"\nthe difference: {cost:.2f} µs per changed dossier; the function's own time as PostgreSQL tracks it:"
              f" {stats.median(per_call):.2f} µs per call (median)")  # fmt: skip


if __name__ == "__main__":
    main()
