"""Where a tenant-scoped read spends its time (companion to tenant_read_throughput.py; no gunicorn).

    .venv/bin/python benchmarks/profile_tenant_read.py

Creates database ``motcua_bench_profile`` with the demo data, builds the app in this process and, with
Flask's test client, measures the CPU and wall milliseconds per request of /healthz, the public unit list
as served (from the per-process cache after the first request), the same list uncached (a distinct
``active_on`` date per request) and /api/v1/me; then the same requests with a candidate fix patched in
*in this process only* (the application code is not changed), and a decomposition of the uncached unit
list into its parts. Only prints.

Settings: BENCH_DATABASE_SERVER, BENCH_REQUESTS (2000 per measurement), BENCH_ROUNDS (5).
"""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

DB_NAME = "motcua_bench_profile"
HOST = "phutho.motcua.localhost"
N = c.sized("BENCH_REQUESTS", 2000, 5)
ROUNDS = c.sized("BENCH_ROUNDS", 5, 1)


def measure(fn, n: int = N) -> tuple[float, float]:
    """(CPU ms, wall ms) per call, after a warm-up."""
    for _ in range(min(100, n)):
        fn()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(n):
        fn()
    return (time.process_time() - cpu) / n * 1000, (time.perf_counter() - wall) / n * 1000


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("profile_tenant_read: in-process cost of a tenant read, and of candidate fixes")
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, tempfile.mkdtemp(prefix="motcua-bench-profile-"))
        c.run_cli(["db", "upgrade"], env)
        c.run_cli(["demo", "--no-history"], env)
        c.apply_env(env)
        import logging

        from flask import json as flask_json
        from motcua_app import create_app
        from motcua_onestop.units import services as unit_services
        from motcua_onestop.units.schemas import UnitSchema
        from motcua_platform.db import database
        from sqlalchemy import event, func, select

        app = create_app()
        logging.getLogger().setLevel(logging.WARNING)
        runtime = app.extensions["motcua"]
        db = runtime.db
        client = app.test_client()
        tenant = {"Host": HOST}
        response = client.post(
            "/api/v1/auth/login",
            headers=tenant,
            json={"email": "quantri@phutho.gov.vn", "password": "Sen-hong-giua-dam-48"},
        )
        auth = {**tenant, "Authorization": f"Bearer {response.get_json()['token']}"}

        def get(path, headers):
            def call():
                r = client.get(path, headers=headers)
                assert r.status_code == 200, (r.status_code, r.data[:200])

            return call

        import datetime as dt
        import itertools

        days = itertools.count(1)

        def get_uncached():
            # A new date on every call: never a cache hit. Units start on the day the demo made them and have
            # no end date, so any date after that (here from 2100 on) gives the rows of (b).
            day = dt.date(2100, 1, 1) + dt.timedelta(days=next(days))
            r = client.get(f"/api/v1/units?page_size=20&active_on={day.isoformat()}", headers=tenant)
            assert r.status_code == 200, (r.status_code, r.data[:200])

        requests = {
            "(a) GET /healthz": get("/healthz", {}),
            "(b) GET /api/v1/units?page_size=20 (cached)": get("/api/v1/units?page_size=20", tenant),
            "(b') the same list, uncached": get_uncached,
            "(c) GET /api/v1/me": get("/api/v1/me", auth),
        }

        # Count statements per request.
        statements: list[str] = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(conn, cursor, statement, *args):
            statements.append(statement)

        counts = {}
        for label, call in requests.items():
            call()  # the cached list is stored by its first request; count a later one
            statements.clear()
            call()
            counts[label] = len(statements)
        event.remove(db.engine, "before_cursor_execute", _count)

        # -- candidate fixes, patched into this process only -----------------------------------------
        # (The bind already runs as constant driver SQL, the page and its total are one statement, and the
        # connection's reset travels with the bind (ADR 0034): the earlier candidates F1, F3 and F4 are in
        # the code now.)
        variants = {"as is": contextlib.nullcontext}
        # Interleaved rounds (variant 1, 2, 3, 4, 1, 2, ...) and medians, so background load on a shared
        # machine hits every variant alike.
        import statistics

        cells: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(ROUNDS):
            for vname, ctx in variants.items():
                with ctx():
                    for label, call in requests.items():
                        if vname != "as is" and label.startswith(("(a)", "(b)")):
                            continue
                        cells.setdefault((vname, label), []).append(measure(call, N // ROUNDS))
        results = []
        base = {}
        for (vname, label), samples in cells.items():
            cpu = statistics.median(x[0] for x in samples)
            wall = statistics.median(x[1] for x in samples)
            if vname == "as is":
                base[label] = cpu
            delta = "" if vname == "as is" else f"{cpu - base[label]:+.3f}"
            results.append(
                [vname, label, f"{cpu:.3f}", f"{wall:.3f}", delta, counts[label] if vname == "as is" else ""]
            )

        # -- decomposition of (b'), the uncached list -------------------------------------------------
        binding = db.binding("phutho")
        query = unit_services.unit_query(unit_services.UnitFilter())
        schema = UnitSchema(many=True)

        def session_only():
            s = db.tenant_session(binding)
            s.close()

        def session_bind_close():
            with db.tenant_session(binding) as s:
                s.connection()

        def db_part():
            with db.tenant_session(binding) as s:
                s.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
                list(s.scalars(query.limit(20).offset(0)))

        from sqlalchemy.orm import Session

        def db_part_unscoped():
            # Same engine (schema_translate_map) and queries, but no after_begin bind: what tenancy adds.
            with Session(bind=db.tenant_engine(binding)) as s:
                s.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
                list(s.scalars(query.limit(20).offset(0)))

        def db_part_window():
            # One statement instead of two: the page plus count(*) OVER () (an empty page needs a fallback count).
            with db.tenant_session(binding) as s:
                list(s.execute(query.add_columns(func.count().over()).limit(20).offset(0)))

        with db.tenant_session(binding) as s:
            rows = list(s.scalars(query.limit(20)))
            s.expunge_all()
        dumped = schema.dump(rows)

        def serialise():
            schema.dump(rows)

        def encode():
            flask_json.dumps(dumped)

        def core_raw():
            with db.engine.connect() as conn:
                conn.exec_driver_sql(database.bind_sql(binding))
                conn.exec_driver_sql("SELECT count(*) FROM t_phutho.units").scalar()
                data = (
                    conn.exec_driver_sql(
                        "SELECT id, parent_id, kind, code, name, valid_from, valid_to, created_at FROM t_phutho.units "
                        "ORDER BY parent_id NULLS FIRST, code LIMIT 20"
                    )
                    .mappings()
                    .all()
                )
                conn.rollback()
            json.dumps([dict(r) for r in data], default=str)

        part_fns = [
            ("tenant_session() + close, no statement", session_only),
            ("tenant_session: BEGIN + reset and bind + ROLLBACK", session_bind_close),
            ("  ... + count query + page query (ORM), as before F1", db_part),
            ("  ... same queries without the tenant bind (no reset, no set_config)", db_part_unscoped),
            ("  ... one windowed query (count(*) OVER ()): the DB part of (b') now", db_part_window),
            ("marshmallow UnitSchema(many=True).dump(20 units)", serialise),
            ("JSON encoding of the 20 dumped units", encode),
            ("floor: raw Core/psycopg, same SQL + json.dumps, no ORM/marshmallow", core_raw),
        ]
        part_samples: dict[str, list[tuple[float, float]]] = {}
        with app.app_context():
            for _ in range(ROUNDS):
                for label, fn in part_fns:
                    part_samples.setdefault(label, []).append(measure(fn, N // ROUNDS))
        parts = [
            [label, statistics.median(x[0] for x in v), statistics.median(x[1] for x in v)]
            for label, v in part_samples.items()
        ]
        db.dispose()
        runtime.jobs.close()

    print()
    print(
        "Per request, in process (Flask test client, no gunicorn), "
        f"median of {ROUNDS} interleaved rounds of {N // ROUNDS}"
    )
    print(c.table(["variant", "request", "CPU ms", "wall ms", "CPU vs as is", "SQLAlchemy stmts"], results))
    print()
    print(f"Decomposition of (b'), in process, median of {ROUNDS} interleaved rounds of {N // ROUNDS}")
    print(c.table(["part", "CPU ms", "wall ms"], [[p[0], f"{p[1]:.3f}", f"{p[2]:.3f}"] for p in parts]))
    a = base["(a) GET /healthz"]
    print()
    for label, cpu in base.items():
        if label != "(a) GET /healthz":
            print(f"CPU ratio (a)/{label.split()[0]} in process = {a / cpu:.3f} ({label})")
    print("With CPU-bound workers, these ratios bound the throughput ratios to (a) under gunicorn.")


if __name__ == "__main__":
    main()
