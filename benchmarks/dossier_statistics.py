"""Issue 15: a province's dossier statistics over 1,000,000 dossiers, in process.

    .venv/bin/python benchmarks/dossier_statistics.py

Creates database ``motcua_bench_statistics`` with the tenant of ``benchmarks/dossiers.py`` (200 communes with
a service centre each) and its BENCH_DOSSIERS dossiers (finished ones over the last two years, open ones over
the last month, the statistics' facts filled as the services keep them: ADR 0038), spread over the
tenant's procedures, keeps every finished month and the month so far as the hourly job does (``statistics.kept``,
ADR 0041 and 0042), then
times ``statistics.services.dossier_statistics`` in one tenant session, BENCH_CALLS calls per case after 3 of
warm-up, interleaved: this month, last month and the month a year ago (targets: p95 <= 100 ms), this year and
last year (p95 <= 300 ms), each for the whole province and grouped by unit (400 rows), and a commune's month;
then the province's QĐ 766 scorecard of this month and of this year (``indicators.province_scorecard``) and
the ranking of its agencies this month (``ranking.ranking``, which reads this month and the one before), and
the weekly report of the last seven days for its 200 communes (target: 10 s for a province of 100 units).
Prints p50/p95 per case, its result (rows, the total score, the agencies ranked) and what the province's month
read (EXPLAIN ANALYZE). Only prints; never fails on time.

Settings: BENCH_DATABASE_SERVER, BENCH_DOSSIERS (1,000,000), BENCH_CALLS (20), BENCH_OPEN_DOSSIERS (unset: the
seed's 150,000 open; N: the oldest beyond N finished first).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics as stats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import dossiers as seed  # the 1,000,000-dossier tenant of the dossier benchmark

CALLS = c.sized("BENCH_CALLS", 20, 2)
# the seed leaves 150,000 dossiers open (received over the last month), about seven times a province's; with
# BENCH_OPEN_DOSSIERS=N the oldest open ones beyond N are finished within ten days of their intake first
OPEN_DOSSIERS = int(os.environ.get("BENCH_OPEN_DOSSIERS") or 0)
FINISH_OLDEST = """
WITH extra AS (
    SELECT id FROM dossiers WHERE received_at IS NOT NULL AND finished_at IS NULL AND closed_at IS NULL
    ORDER BY received_at
    LIMIT greatest(0, (SELECT count(*) FROM dossiers
                       WHERE received_at IS NOT NULL AND finished_at IS NULL AND closed_at IS NULL) - :keep)
)
UPDATE dossiers d
SET status = 9,
    finished_at = least(now() - interval '1 minute', d.received_at + (1 + random() * 9) * interval '1 day'),
    has_result_file = d.id % 4 <> 0
FROM extra WHERE d.id = extra.id
"""
TARGETS_MS = {"month": 100, "year": 300, "report": 10_000}


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(f"dossier_statistics: a province's dossier statistics over {seed.N_DOSSIERS:,} dossiers, in process")
    with c.fresh_database("motcua_bench_statistics") as url:
        env = seed.bench_env(url)
        c.apply_env(env)
        c.run_cli(["db", "upgrade"], env)

        from motcua_app import build_runtime
        from motcua_onestop.statistics import indicators, kept, periods, ranking, reports
        from motcua_onestop.statistics import services as statistics
        from motcua_platform.audit.services import Actor
        from motcua_platform.rendering.pdf import find_font
        from motcua_platform.timezones import VIETNAM
        from sqlalchemy import text

        runtime = build_runtime()
        _root, communes = seed.setup_tenant(runtime, Actor("system", None, "benchmark"))
        seed.seed_dossiers(runtime, every_procedure=True)
        if OPEN_DOSSIERS:
            with runtime.db.tenant_session(runtime.db.binding(seed.SLUG)) as session:
                finished = session.execute(text(FINISH_OLDEST), {"keep": OPEN_DOSSIERS}).rowcount
                session.commit()
            with runtime.db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    f"VACUUM ANALYZE t_{seed.SLUG}.dossiers"
                )
            print(f"finished the {finished:,} oldest open dossiers: {OPEN_DOSSIERS:,} left open")
        today = dt.datetime.now(VIETNAM).date()
        # what the hourly job does: keep each finished month's counts and the month so far's (ADR 0041, 0042)
        with runtime.db.tenant_session(runtime.db.binding(seed.SLUG)) as session:
            to_keep = kept.to_keep(session, limit=100)
            keeping: dict[str, list[float]] = {"month": [], "month so far": []}
            for period in to_keep:
                started = time.perf_counter()
                kept.keep(session, period)
                keeping["month" if period.kind == "month" else "month so far"].append(
                    (time.perf_counter() - started) * 1000
                )
            session.commit()
            kept_rows = session.scalar(text("SELECT count(*) FROM statistics_period_counts"))
        for kind, times in keeping.items():
            if times:
                print(f"kept {len(times)} × {kind}: p50 {stats.median(times):.0f} ms, max {max(times):.0f} ms")
        print(f"{kept_rows:,} rows kept")
        month = periods.period("month", f"{today.year}-{today.month:02d}")
        month_before = month.previous()
        year = periods.period("year", str(today.year))
        everything = statistics.Slice()
        now = dt.datetime.now(dt.UTC)  # one instant for every call: "as of now" must not move between them

        def counted(period, where, group_by):
            return lambda session: len(statistics.dossier_statistics(session, period, where, group_by, now=now)[0])

        def scorecard(period):
            return lambda session: indicators.province_scorecard(session, period, everything, enabled, now=now)["score"]

        font = find_font(None)
        maker = Actor("system", None, "benchmark")
        context = runtime.tenant_context(seed.SLUG)

        def report(session):
            # the whole weekly report as the job makes it (figures, workbook, PDF), then undone so that the
            # next call makes it again
            savepoint = session.begin_nested()
            made, created = reports.make_report(session, context, maker, today, font, now=now)
            size = len(made.xlsx) + len(made.pdf)
            savepoint.rollback()
            return created and size > 0

        def ranked(period):
            return lambda session: len(ranking.ranking(session, period, everything, now=now))

        cases = [
            ("this month, province", "month", counted(month, everything, None)),
            ("this month, by unit", "month", counted(month, everything, "unit")),
            ("last month, province", "month", counted(month_before, everything, None)),
            ("a year ago, month, province", "month",
             counted(periods.period("month", f"{today.year - 1}-{today.month:02d}"), everything, None)),
            ("this month, one commune", "month", counted(month, statistics.Slice(units=frozenset(communes[:1])), None)),
            ("this year, province", "year", counted(year, everything, None)),
            ("this year, by unit", "year", counted(year, everything, "unit")),
            ("last year, province", "year", counted(periods.period("year", str(today.year - 1)), everything, None)),
            ("this month, QĐ 766 scorecard", "month", scorecard(month)),
            ("this year, QĐ 766 scorecard", "year", scorecard(year)),
            ("this month, agencies ranked", "month", ranked(month)),
            ("last week's report (XLSX + PDF)", "report", report),
        ]  # fmt: skip
        times: dict[str, list[float]] = {label: [] for label, *_ in cases}
        rows: dict[str, int] = {}
        with runtime.db.tenant_session(runtime.db.binding(seed.SLUG)) as session:
            enabled = session.scalars(text("SELECT DISTINCT plugin FROM procedures WHERE plugin IS NOT NULL")).all()
            for label, _kind, call in cases:  # warm-up
                for _ in range(3):
                    rows[label] = call(session)
            for _ in range(CALLS):
                for label, _kind, call in cases:
                    started = time.perf_counter()
                    result = call(session)
                    times[label].append((time.perf_counter() - started) * 1000)
                    assert result == rows[label]
            total = statistics.dossier_statistics(session, month, everything, None)[1]
            sql, _params = statistics.statement(statistics.Slice(), None, over=month.end <= now)
            plan = session.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql), statistics.bounds(month, now))
            plan = [row[0] for row in plan]
            session.rollback()
        runtime.db.dispose()
        runtime.jobs.close()

    print(f"\n{'case':32s} {'result':>7s} {'p50 ms':>8s} {'p95 ms':>8s}  target")
    for label, kind, _call in cases:
        values = sorted(times[label])
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        verdict = "met" if p95 <= TARGETS_MS[kind] else "NOT met"
        target = f"p95 <= {TARGETS_MS[kind]} ms: {verdict}"
        print(f"{label:32s} {rows[label]!s:>7s} {stats.median(values):8.1f} {p95:8.1f}  {target}")
    print(f"\nthis month, province: received {total['received']:,}, resolved {total['resolved']:,}, "
          f"carried over {total['carried_over']:,}, pending {total['pending']:,}")  # fmt: skip
    print("\nEXPLAIN (ANALYZE, BUFFERS), this month, province:")
    for line in plan:
        print("   " + line)


if __name__ == "__main__":
    main()
