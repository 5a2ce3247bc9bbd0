"""Where an online submission spends its time (companion to dossiers.py; no gunicorn).

    .venv/bin/python benchmarks/profile_intake.py

Creates database ``motcua_bench_intake`` with the tenant and citizens of ``dossiers.py``, builds the app
in this process and, with Flask's test client, posts online marriage-registration dossiers as wrk does:
CPU and wall milliseconds per submission, the SQL statements one submission sends (counted by an engine
listener, with their text) and EXPLAIN (ANALYZE, BUFFERS) of each (re-run in a rolled-back transaction),
the functions with the most cumulative time (cProfile) and what the request handler and the intake
service call. Only prints.

Settings: BENCH_DATABASE_SERVER, BENCH_REQUESTS (300), BENCH_CHANNEL (online, or counter: dossiers.py's
commune officers, each at their own commune).
"""

from __future__ import annotations

import cProfile
import io
import itertools
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import dossiers as bench

N = c.sized("BENCH_REQUESTS", 300, 3)
CHANNEL = os.environ.get("BENCH_CHANNEL", "online")  # or "counter": officers at their communes, as dossiers.py


def body(unit: int, n: int) -> dict:
    applicant = {
        "full_name": f"Nguyễn Văn {n}",
        "citizen_id": f"0790{n:08d}",
        "contact": f"dan{n}@bench.vn; 0912{n:06d}",
    }
    return {
        "procedure_code": "1.000894",
        "receiving_unit_id": unit,
        "channel": CHANNEL,
        **({"applicant": applicant} if CHANNEL == "counter" else {}),
        "form": {
            "husband_full_name": f"Nguyễn Văn {n}",
            "husband_citizen_id": f"0790{n:08d}",
            "husband_date_of_birth": "1990-01-01",
            "wife_full_name": f"Lê Thị Vợ {n}",
            "wife_citizen_id": f"0791{n:08d}",
            "wife_date_of_birth": "1992-02-02",
            "residence": "Xã A",
        },
    }


# What the submission wrote, removed first inside the EXPLAIN's transaction so that its statements can run
# again with the same keys (the transaction is rolled back: nothing is lost).
FORGET = [
    "DELETE FROM notification_outbox WHERE dossier_id = %(id)s",
    "DELETE FROM national_sync_outbox WHERE dossier_id = %(id)s",
    "DELETE FROM dossier_history WHERE dossier_id = %(id)s",
    "DELETE FROM billing_usage_outbox WHERE event_id = 'dossier:' || %(id)s || ':received'",
    "DELETE FROM dossiers WHERE id = %(id)s",
]


def explain(url: str, statements: list[tuple[str, object]], dossier_id: int) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement of the submission just made, run again with its own
    parameters in a transaction that is rolled back (the tenant binding itself is skipped)."""
    import psycopg

    print("\nEXPLAIN (ANALYZE, BUFFERS) of each statement, re-run in a rolled-back transaction:")
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        conn.execute(f"SET LOCAL search_path TO t_{bench.SLUG}")
        for statement in FORGET:
            conn.execute(statement, {"id": str(dossier_id)} if "||" in statement else {"id": dossier_id})
        for statement, parameters in statements:
            if "set_config" in statement:
                continue
            print(f"\n-- {' '.join(statement.split())[:100]}")
            for (line,) in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {statement}", parameters):
                print(f"   {line}")
        conn.rollback()


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header(f"profile_intake: in-process cost of one {CHANNEL} submission")
    with c.fresh_database("motcua_bench_intake") as url:
        env = bench.bench_env(url)
        c.apply_env(env)
        c.run_cli(["db", "upgrade"], env)
        from motcua_app import create_app
        from motcua_platform.audit.services import Actor
        from sqlalchemy import event

        app = create_app()
        runtime = app.extensions["motcua"]
        _, communes = bench.setup_tenant(runtime, Actor("system", None, "benchmark"))
        if CHANNEL == "counter":  # token k is the officer of commune k
            communes, tokens = bench.officer_tokens(runtime, communes)
        else:
            tokens = bench.citizen_tokens(runtime)
        client = app.test_client()
        numbers = itertools.count(1)

        def submit():
            n = next(numbers)
            response = client.post(
                "/api/v1/dossiers",
                json=body(communes[n % len(communes)], n),
                headers={"Host": bench.HOST, "Authorization": f"Bearer {tokens[n % len(tokens)]}"},
            )
            assert response.status_code == 201, response.get_json()
            return response.get_json()["id"]

        for _ in range(len(communes) + 30):  # warm-up: every commune once, as in a long-running worker
            submit()
        statements: list[tuple[str, object]] = []

        def count(conn, cursor, statement, parameters, context, executemany):
            statements.append((statement, parameters))

        event.listen(runtime.db.engine, "before_cursor_execute", count)
        dossier_id = submit()
        event.remove(runtime.db.engine, "before_cursor_execute", count)
        print(f"\nSQL statements in one submission: {len(statements)}")
        for statement, _ in statements:
            print(f"   {' '.join(statement.split())[:150]}")
        explain(url, statements, dossier_id)

        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(N):
            submit()
        cpu_ms = (time.process_time() - cpu) / N * 1000
        wall_ms = (time.perf_counter() - wall) / N * 1000
        print(f"\n{N} submissions: {cpu_ms:.2f} ms CPU and {wall_ms:.2f} ms wall each (this process)")

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(c.sized("BENCH_REPEAT", 100, 2)):
            submit()
        profile.disable()
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(40)
        # where the request handler and the intake service spend it, one level down
        stats.sort_stats("cumulative").print_callees(r"dossiers/api.py:\d+\(post\)")
        stats.print_callees(r"intake/services.py:\d+\((intake|_write)\)")
        print("\ncProfile of 100 submissions, by cumulative time, then by own time:")
        print(out.getvalue())
        runtime.db.dispose()
        runtime.jobs.close()


if __name__ == "__main__":
    main()
