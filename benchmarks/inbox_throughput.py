"""Issue 14, item 2: the officer's inbox and ``/me`` through gunicorn, against ``/healthz`` in the same run.

    .venv/bin/python benchmarks/inbox_throughput.py

Creates database ``motcua_bench_inbox_api``, runs ``motcua db upgrade`` and ``motcua demo`` on it, gives the demo
commune officer of Phú Thọ (``canbo@phutho.gov.vn``: officer on the province's service centre and on a
commune's) BENCH_DOSSIERS dossiers received by those two units (the realistic spread of statuses and due
dates of ``benchmarks/dossiers.py``: about a quarter open), logs the officer in, starts
``motcua run --no-worker --workers 2`` and loads, with wrk (``-t2 -c32 -d10s --latency`` after a warm-up), in
BENCH_ROUNDS interleaved rounds (a, i, m, a, i, m, ...):

  (a) GET /healthz                       bare JSON, no database
  (i) GET /api/v1/dossiers               the officer's inbox: bearer token, roles, units, 20 open dossiers
                                         soonest due first, the total in X-Pagination (exact below the cap)
  (m) GET /api/v1/me                     the officer's account and roles

It prints req/s, p50/p99 latency, the ratio (m)/(a), ``uptime`` before every round, and the targets:
(i) >= 1,000 req/s with p99 <= 50 ms, (m) >= 60 % of (a). Only prints; never fails on time.

Same-run A/B: with ``BENCH_COMPARE_BIN=<another checkout>/.venv/bin/motcua`` a second server runs that
checkout's code on the same database, and every round loads both (a, i, m on this checkout's server, then
on the other's), so both sides see the same minutes of a shared machine.

Settings (environment): BENCH_DATABASE_SERVER, BENCH_ROUNDS (3), BENCH_DURATION (10 s), BENCH_WARMUP (2 s),
BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_WORKERS (2), BENCH_DOSSIERS (5,000), BENCH_COMPARE_BIN.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import _http as h
from dossiers import SEED_SQL

DB_NAME = "motcua_bench_inbox_api"
SLUG = "phutho"
TENANT_HOST = f"{SLUG}.motcua.localhost"
OFFICER = {"email": f"canbo@{SLUG}.gov.vn", "password": "Sen-hong-giua-dam-48"}  # motcua_app.demo
TARGET_RPS, TARGET_P99_MS, TARGET_ME_RATIO = 1000, 50.0, 0.60

ROUNDS, DURATION, WARMUP, CONNECTIONS, THREADS, WORKERS = h.load_settings()
N_DOSSIERS = c.sized("BENCH_DOSSIERS", 5_000, 60)
COMPARE_BIN = os.environ.get("BENCH_COMPARE_BIN")


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def seed_inbox(url: str) -> tuple[int, list[int]]:
    """N_DOSSIERS dossiers received by the officer's units (benchmarks/dossiers.py's spread), then ANALYZE.
    Returns the number of open ones and the units."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SET LOCAL search_path = t_{SLUG}")
            units = list(
                conn.execute(
                    text(
                        "SELECT DISTINCT r.unit_id FROM staff_roles r JOIN staff_accounts a ON a.id = r.staff_id "
                        "WHERE a.email = :email ORDER BY 1"
                    ),
                    {"email": OFFICER["email"]},
                ).scalars()
            )
            procedure = conn.execute(text("SELECT min(id) FROM procedures")).scalar_one()
            conn.execute(text(SEED_SQL), {"procedures": [procedure], "units": units, "n": N_DOSSIERS})
            open_ = conn.execute(text("SELECT count(*) FROM dossiers WHERE status NOT IN (3, 8, 10)")).scalar_one()
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(f"VACUUM ANALYZE t_{SLUG}.dossiers")
    finally:
        engine.dispose()
    return open_, units


class Server:
    """``motcua run`` (this checkout's, or BENCH_COMPARE_BIN's) in its own process group."""

    def __init__(self, name: str, motcua: str, env: dict[str, str], tmp: Path):
        self.name, self.motcua, self.env, self.tmp = name, motcua, env, tmp
        self.port = c.free_port()
        self.log = tmp / f"server-{name}.log"
        self.proc: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [self.motcua, "run", "--no-worker", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}"]

    def start(self) -> None:
        self.proc = h.start(self.command(), self.env, self.port, self.log, self.tmp)

    def stop(self) -> None:
        if self.proc is not None:
            h.stop(self.proc)


def endpoints(token: str) -> list[tuple[str, str, str, dict[str, str]]]:
    auth = {"Host": TENANT_HOST, "Authorization": f"Bearer {token}"}
    return [
        ("a", "GET /healthz", "/healthz", {}),
        ("i", "GET /api/v1/dossiers (officer inbox, 20 rows)", "/api/v1/dossiers?page_size=20", auth),
        ("m", "GET /api/v1/me (officer)", "/api/v1/me", auth),
    ]


def check_answers(server: Server, token: str, open_dossiers: int) -> None:
    for key, label, path, headers in endpoints(token):
        reply = h.request(server.port, path, headers)
        if reply.status != 200:
            raise RuntimeError(f"{server.name} {label}: HTTP {reply.status} {reply.body[:300]!r}")
        if key == "i":
            rows = json.loads(reply.body)
            page = json.loads(reply.headers["X-Pagination"])
            expected = min(20, open_dossiers)
            if len(rows) != expected or page["total"] != open_dossiers or not page["total_exact"]:
                raise RuntimeError(f"{server.name} inbox: {len(rows)} rows, X-Pagination {page}; {open_dossiers} open")


def load(server: Server, path: str, headers: dict[str, str], duration: int, script: Path) -> dict:
    return h.run_wrk(
        f"http://127.0.0.1:{server.port}{path}",
        headers,
        duration=duration,
        threads=THREADS,
        connections=CONNECTIONS,
        script=script,
    )


def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("inbox_throughput: the officer's inbox and /me against /healthz, under gunicorn")
    if h.wrk_missing("endpoint"):
        return
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-inbox-"))
    script = tmp / "report.lua"
    script.write_text(h.WRK_REPORT_LUA)
    samples: dict[tuple[str, str], list[Sample]] = {}
    servers: list[Server] = []
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, str(tmp / "instance"))
        print(f"   setup: motcua db upgrade {c.run_cli(['db', 'upgrade'], env):.2f}s, ", end="")
        print(f"motcua demo {c.run_cli(['demo', '--no-history'], env):.2f}s")
        open_dossiers, units = seed_inbox(url)
        print(f"   seeded {N_DOSSIERS:,} dossiers on the officer's units {units}: {open_dossiers:,} open (the inbox)")
        servers = [Server("this", c.motcua_bin(), env, tmp)]
        if COMPARE_BIN:
            servers.append(Server("compare", COMPARE_BIN, env, tmp))
        try:
            for server in servers:
                server.start()
                print(f"   server {server.name}: {' '.join(server.command())}  (log: {server.log})")
            reply = h.request(servers[0].port, "/api/v1/auth/login", {"Host": TENANT_HOST}, "POST", OFFICER)
            if reply.status != 201:
                raise RuntimeError(f"login failed: {reply.status} {reply.body[:300]!r}")
            token = json.loads(reply.body)["token"]
            for server in servers:
                check_answers(server, token, open_dossiers)
            print(
                "   load: "
                + " ".join(
                    h.wrk_command(
                        "http://127.0.0.1:<port><path>",
                        {"Host": TENANT_HOST, "Authorization": "Bearer <token>"},
                        duration=DURATION,
                        threads=THREADS,
                        connections=CONNECTIONS,
                        script="report.lua",
                    )
                )
                + f"  ({WARMUP}s warm-up first)"
            )
            for rnd in range(1, ROUNDS + 1):
                for server in servers:
                    print(f"   round {rnd} [{server.name}] uptime: {c.uptime()}")
                    for key, _label, path, headers in endpoints(token):
                        if WARMUP:  # wrk refuses -d0s
                            load(server, path, headers, WARMUP, script)
                        result = load(server, path, headers, DURATION, script)
                        sample = Sample(result["rps"], result["p50_ms"], result["p99_ms"], result["errors"])
                        samples.setdefault((server.name, key), []).append(sample)
                        print(
                            f"   round {rnd} [{server.name}] ({key}) {sample.rps:9.1f} req/s  "
                            f"p50 {sample.p50_ms:7.2f} ms  p99 {sample.p99_ms:7.2f} ms  errors {sample.errors}"
                        )
                        sys.stdout.flush()
        finally:
            for server in servers:
                server.stop()
    report(servers, samples, token_endpoints=endpoints(""))


def report(servers: list[Server], samples: dict[tuple[str, str], list[Sample]], token_endpoints) -> None:
    print()
    print(
        f"Results (wrk {THREADS} threads, {CONNECTIONS} connections, {DURATION}s x {ROUNDS} rounds, "
        f"gunicorn x {WORKERS} workers; medians over rounds)"
    )
    rows = []
    for server in servers:
        healthz = statistics.median(s.rps for s in samples[(server.name, "a")])
        for key, label, _path, _headers in token_endpoints:
            ss = samples[(server.name, key)]
            rps = statistics.median(s.rps for s in ss)
            rows.append(
                [
                    f"[{server.name}] ({key}) {label}",
                    f"{rps:.1f}",
                    f"{min(s.rps for s in ss):.1f}-{max(s.rps for s in ss):.1f}",
                    f"{statistics.median(s.p50_ms for s in ss):.2f}",
                    f"{statistics.median(s.p99_ms for s in ss):.2f}",
                    f"{rps / healthz:.2f}",
                    sum(s.errors for s in ss),
                ]
            )
    print(c.table(["endpoint", "req/s", "range", "p50 ms", "p99 ms", "vs (a)", "errors"], rows))
    for server in servers:
        a, i, m = (samples[(server.name, k)] for k in ("a", "i", "m"))
        per_round = ", ".join(f"{x.rps / y.rps:.2f}" for x, y in zip(m, a, strict=True))
        ratio = statistics.median(x.rps / y.rps for x, y in zip(m, a, strict=True))
        inbox_rps = statistics.median(s.rps for s in i)
        inbox_p99 = statistics.median(s.p99_ms for s in i)
        print(f"[{server.name}] ratio (m)/(a) = {ratio:.2f} (per round {per_round})")
        print(
            f"[{server.name}] targets: inbox >= {TARGET_RPS:,} req/s: {inbox_rps:,.0f} "
            f"{'met' if inbox_rps >= TARGET_RPS else 'NOT met'}; inbox p99 <= {TARGET_P99_MS:.0f} ms: "
            f"{inbox_p99:.1f} ms {'met' if inbox_p99 <= TARGET_P99_MS else 'NOT met'}; /me >= "
            f"{TARGET_ME_RATIO:.0%} of /healthz: {ratio:.0%} {'met' if ratio >= TARGET_ME_RATIO else 'NOT met'}"
        )
    print(f"   uptime after: {c.uptime()}")


if __name__ == "__main__":
    main()
