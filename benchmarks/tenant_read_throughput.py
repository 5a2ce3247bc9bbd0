"""Benchmark 1: throughput of tenant-scoped reads against a bare JSON endpoint, under gunicorn.

    .venv/bin/python benchmarks/tenant_read_throughput.py

Creates database ``motcua_bench_read``, runs ``motcua db upgrade`` and ``motcua demo`` on it, starts
``motcua run --no-worker --workers 2 --bind 127.0.0.1:<free port>`` and loads, in the same run and with
the same workers,

  (a)  GET /healthz                                   (bare JSON, no database)
  (b)  GET /api/v1/units?page_size=20  Host: phutho... (the public unit list as served: from the
                                                        per-process cache after each worker's first request)
  (b') GET /api/v1/units?page_size=20&active_on=<a different date on every request>
                                                       (the same list, never in the cache: a distinct query
                                                        per request, so every request pays the tenant
                                                        binding, the page query with its total, the ORM and
                                                        marshmallow; the dates lie centuries ahead, after
                                                        every unit's start, and demo units have no end date,
                                                        so the rows are (b)'s)
  (c)  GET /api/v1/me  Host: phutho..., Bearer token  (authenticated tenant read, never cached)

with wrk (``-t2 -c32 -d10s`` after a warm-up), in BENCH_ROUNDS interleaved rounds (a, b, b', c, a, ...),
and prints requests/s, latency p50/p99, the ratios to (a) (medians over rounds) and where the CPU went.
Target: a tenant-scoped read >= 0.60 of (a). Only prints; never fails on time.

Settings (environment): BENCH_DATABASE_SERVER, BENCH_ROUNDS (3), BENCH_DURATION (10 s), BENCH_WARMUP
(3 s), BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_WORKERS (2), BENCH_KEEP_DATABASE=1 to keep the
database for inspection.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c
import _http as h

DB_NAME = "motcua_bench_read"
TENANT_HOST = "phutho.motcua.localhost"
LOGIN = {"email": "quantri@phutho.gov.vn", "password": "Sen-hong-giua-dam-48"}
TARGET_RATIO = 0.60

ROUNDS, DURATION, WARMUP, CONNECTIONS, THREADS, WORKERS = h.load_settings(warmup=3)

# (b') only: a distinct active_on date on every request (script arguments: the path up to the date, and a
# base day number that differs between wrk runs), so no request of the run finds an earlier one cached.
WRK_DISTINCT_SCRIPT = (
    h.WRK_THREAD_IDS_LUA
    + r"""
function init(args)
  prefix = args[1]
  base_day = tonumber(args[2])
  counter = 0
end
function request()
  counter = counter + 1
  local day = base_day + tid * 100000 + counter
  return wrk.format(nil, prefix .. os.date("!%Y-%m-%d", 1767225600 + day * 86400))
end
"""
    + h.WRK_REPORT_LUA
)


@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    distinct_suffix: str | None = None  # appended with a new date to every request: never a cache hit


_WRK_RUNS = [0]


def distinct_args(ep: Endpoint) -> list[str]:
    """wrk script arguments for (b'): the path prefix and a base day no earlier wrk run of this process used."""
    if ep.distinct_suffix is None:
        return []
    _WRK_RUNS[0] += 1
    return [ep.path + ep.distinct_suffix, str(_WRK_RUNS[0] * 200_000)]


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors + non-2xx/3xx
    cpu_ms: dict[str, float]  # CPU milliseconds per request by consumer


# -- load generators --------------------------------------------------------------------------------
def run_wrk(url: str, headers: dict[str, str], duration: int, script: str, args: list[str] | None = None) -> dict:
    return h.run_wrk(
        url, headers, duration=duration, threads=THREADS, connections=CONNECTIONS, script=script, args=args
    )


def _py_load_process(host: str, port: int, path: str, headers: dict, duration: float, threads: int, queue) -> None:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def loop() -> None:
        mine: list[float] = []
        bad = 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(host, port, timeout=10)
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status >= 400:
                    bad += 1
            except OSError:
                bad += 1
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    pool = [threading.Thread(target=loop) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    queue.put((latencies, errors[0]))


def run_python_load(port: int, path: str, headers: dict[str, str], duration: int) -> dict:
    """Bounded fallback when wrk is missing: THREADS processes x (CONNECTIONS/THREADS) threads."""
    ctx = get_context("fork")
    queue = ctx.Queue()
    per = max(1, CONNECTIONS // THREADS)
    procs = [
        ctx.Process(target=_py_load_process, args=("127.0.0.1", port, path, headers, duration, per, queue))
        for _ in range(THREADS)
    ]
    started = time.perf_counter()
    for p in procs:
        p.start()
    results = [queue.get(timeout=duration + 60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    seconds = time.perf_counter() - started
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    n = len(latencies)
    return {
        "requests": n,
        "rps": n / seconds,
        "p50_ms": latencies[n // 2] * 1000 if n else float("nan"),
        "p99_ms": latencies[min(n - 1, int(n * 0.99))] * 1000 if n else float("nan"),
        "errors": errors,
    }


# -- server -----------------------------------------------------------------------------------------
class CpuMeter:
    """CPU used during a window by: gunicorn (master + workers, incl. workers recycled meanwhile), the
    PostgreSQL backends of the bench database, the load generator, and everything else on the machine."""

    def __init__(self, master_pid: int | None, admin_url: str):
        self.master = master_pid or 0
        self.admin = psycopg.connect(admin_url, autocommit=True)

    def _backends(self) -> dict[int, float]:
        pids = [
            r[0]
            for r in self.admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (c.db_name(DB_NAME),)
            )
        ]
        return {pid: c.proc_cpu(pid) for pid in pids}

    def _gunicorn(self) -> float:
        return c.proc_cpu(self.master, children=True) + sum(c.proc_cpu(p) for p in c.child_pids(self.master))

    def start(self) -> None:
        self.g0 = self._gunicorn()
        self.b0 = self._backends()
        self.s0 = c.system_busy_seconds()
        self.l0 = _children_cpu()

    def stop(self, requests: int) -> dict[str, float]:
        g = self._gunicorn() - self.g0
        b1 = self._backends()
        pg = sum(v - self.b0.get(pid, 0.0) for pid, v in b1.items())
        load = _children_cpu() - self.l0
        total = c.system_busy_seconds() - self.s0
        other = max(0.0, total - g - pg - load)
        per = 1000 / max(requests, 1)
        self.other_share = other / max(total, 1e-9)
        return {"gunicorn": g * per, "postgres": pg * per, "loadgen": load * per, "other": other * per}

    def close(self) -> None:
        self.admin.close()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class ServerGone(RuntimeError):
    pass


MAX_RESTARTS = int(os.environ.get("BENCH_MAX_RESTARTS", "3"))


class Server:
    """``motcua run`` in its own process group; restartable if something outside stops it mid-run."""

    def __init__(self, env: dict[str, str], tmp: Path):
        self.env = {**env, "MOTCUA_LOG_LEVEL": "INFO"}  # gunicorn logs signals and worker exits to the log
        self.tmp = tmp
        self.port = c.free_port()
        self.log_path = tmp / "server.log"
        self.command = [c.motcua_bin(), "run", "--no-worker", "--workers", str(WORKERS)]
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def describe(self) -> str:
        return " ".join(["motcua", *self.command[1:], "--bind", f"127.0.0.1:{self.port}"])

    def start(self) -> None:
        if self.starts:
            self.port = c.free_port()
        self.starts += 1
        with open(self.log_path, "a") as log:
            log.write(f"--- start {self.starts}: {self.describe()}\n")
            log.flush()
            self.proc = subprocess.Popen(
                [*self.command, "--bind", f"127.0.0.1:{self.port}"],
                env=self.env,
                cwd=self.tmp,
                stdout=subprocess.DEVNULL,  # the app's access line (one per request) stays on: stderr, the log
                stderr=log,
                start_new_session=True,
            )
        h.wait_ready(self.port, self.proc, self.log_path)

    def master_pid(self) -> int | None:
        return next(iter(c.child_pids(self.proc.pid)), None) if self.proc else None

    def check(self, what: str) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise ServerGone(f"the server exited (status {self.proc.returncode if self.proc else '?'}) during {what}")

    def stop(self) -> None:
        if self.proc is not None:
            h.stop(self.proc)


def run_round(
    rnd: int, server: Server, endpoints, meter, have_wrk: bool, script: str, distinct_script: str
) -> dict[str, Sample]:
    """One round (a, b, c) on one server instance; raises ServerGone if the server stops meanwhile."""

    def load(ep: Endpoint, duration: int, what: str) -> dict:
        try:
            if have_wrk:
                url = f"http://127.0.0.1:{server.port}{ep.path}"
                if ep.distinct_suffix:
                    return run_wrk(url, ep.headers, duration, distinct_script, distinct_args(ep))
                return run_wrk(url, ep.headers, duration, script)
            return run_python_load(server.port, ep.path, ep.headers, duration)
        except RuntimeError:
            server.check(what)
            raise

    out: dict[str, Sample] = {}
    for ep in endpoints:
        if WARMUP:  # wrk refuses -d0s: no warm-up at all in smoke mode
            load(ep, WARMUP, f"the warm-up of round {rnd} ({ep.key})")
            server.check(f"the warm-up of round {rnd} ({ep.key})")
        if meter:
            meter.start()
        result = load(ep, DURATION, f"round {rnd} ({ep.key})")
        server.check(f"round {rnd} ({ep.key})")
        cpu = meter.stop(result["requests"]) if meter else {}
        out[ep.key] = Sample(
            result["rps"], result["p50_ms"], result["p99_ms"], result["requests"], result["errors"], cpu
        )
        print(
            f"   round {rnd} ({ep.key}) {result['rps']:9.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
            f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}"
            + (f"  other processes used {meter.other_share:.0%} of the busy CPU" if meter else "")
        )
        sys.stdout.flush()
    return out


# -- main -------------------------------------------------------------------------------------------
def main() -> None:
    c.exit_cleanly_on_sigterm()
    c.print_header("tenant_read_throughput: tenant-scoped reads vs a bare JSON endpoint under gunicorn")
    have_wrk = shutil.which("wrk") is not None
    if not have_wrk:
        print(
            "!! wrk is not installed (apt-get install -y wrk). Falling back to a bounded Python load generator;"
            " its own CPU use limits throughput, so the figures are NOT comparable with wrk figures."
        )
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-read-"))
    script = tmp / "report.lua"
    script.write_text(h.WRK_REPORT_LUA)
    distinct_script = tmp / "distinct.lua"
    distinct_script.write_text(WRK_DISTINCT_SCRIPT)
    endpoints: list[Endpoint] = []
    samples: dict[str, list[Sample]] = {}
    restarts = 0
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, str(tmp / "instance"))
        t_upgrade = c.run_cli(["db", "upgrade"], env)
        t_demo = c.run_cli(["demo", "--no-history"], env)
        print(f"   setup: motcua db upgrade {t_upgrade:.2f}s, motcua demo {t_demo:.2f}s")
        server = Server(env, tmp)
        meter = None
        try:
            server.start()
            print(f"   server: {server.describe()}  (gunicorn log: {server.log_path})")
            reply = h.request(server.port, "/api/v1/auth/login", {"Host": TENANT_HOST}, "POST", LOGIN)
            if reply.status != 201:
                raise RuntimeError(f"login failed: {reply.status} {reply.body[:300]!r}")
            token = json.loads(reply.body)["token"]
            endpoints = [
                Endpoint("a", "GET /healthz (bare JSON)", "/healthz"),
                Endpoint(
                    "b",
                    "GET /api/v1/units?page_size=20 (tenant, public, as served: cached)",
                    "/api/v1/units?page_size=20",
                    {"Host": TENANT_HOST},
                ),
                Endpoint(
                    "b'",
                    "the same list, a distinct active_on per request (uncached)",
                    "/api/v1/units?page_size=20",
                    {"Host": TENANT_HOST},
                    distinct_suffix="&active_on=",
                ),
                Endpoint(
                    "c",
                    "GET /api/v1/me (tenant, bearer)",
                    "/api/v1/me",
                    {"Host": TENANT_HOST, "Authorization": f"Bearer {token}"},
                ),
            ]
            for ep in endpoints:
                path = ep.path + (f"{ep.distinct_suffix}2030-01-01" if ep.distinct_suffix else "")
                reply = h.request(server.port, path, ep.headers)
                if reply.status != 200:
                    raise RuntimeError(f"{ep.label}: HTTP {reply.status} {reply.body[:300]!r}")
            if not have_wrk:
                print("!! without wrk, (b') repeats one query, so it is served from the cache like (b)")
            if have_wrk:
                print(
                    "   load:   "
                    + " ".join(
                        h.wrk_command(
                            "http://127.0.0.1:<port><path>",
                            {"Host": "<host>"},
                            duration=DURATION,
                            threads=THREADS,
                            connections=CONNECTIONS,
                            script="report.lua",
                        )
                    )
                )
            print(f"   {ROUNDS} round(s) of a, b, b', c; each: {WARMUP}s warm-up, then {DURATION}s measured")
            sys.stdout.flush()
            samples = {ep.key: [] for ep in endpoints}
            meter = CpuMeter(server.master_pid(), c.database_url("postgres"))
            rnd = 1
            while rnd <= ROUNDS:
                try:
                    for key, sample in run_round(
                        rnd, server, endpoints, meter, have_wrk, str(script), str(distinct_script)
                    ).items():
                        samples[key].append(sample)
                    rnd += 1
                except ServerGone as exc:
                    restarts += 1
                    print(f"!! {exc} (not stopped by this script; see {server.log_path})")
                    if restarts > MAX_RESTARTS:
                        print(f"!! giving up after {MAX_RESTARTS} restarts; reporting the complete rounds only")
                        break
                    server.stop()
                    server.start()
                    meter.master = server.master_pid()
                    print(f"!! restarted the server ({server.describe()}); round {rnd} is run again from (a)")
        finally:
            if meter:
                meter.close()
            server.stop()

    if restarts:
        print(f"\nnote: the server was stopped from outside {restarts} time(s); each round ran on one server instance")
    report(endpoints, samples, have_wrk)


def report(endpoints: list[Endpoint], samples: dict[str, list[Sample]], have_wrk: bool) -> None:
    if not samples or not all(samples.values()):
        print("no complete round: no result")
        return
    med = {k: statistics.median(s.rps for s in v) for k, v in samples.items()}
    rows = []
    for ep in endpoints:
        ss = samples[ep.key]
        rows.append(
            [
                f"({ep.key}) {ep.label}",
                f"{med[ep.key]:.1f}",
                f"{min(s.rps for s in ss):.1f}-{max(s.rps for s in ss):.1f}",
                f"{statistics.median(s.p50_ms for s in ss):.2f}",
                f"{statistics.median(s.p99_ms for s in ss):.2f}",
                f"{med[ep.key] / med['a']:.2f}",
                sum(s.errors for s in ss),
            ]
        )
    print()
    print(
        f"Results ({'wrk' if have_wrk else 'Python load generator'}, {THREADS} threads, {CONNECTIONS} connections, "
        f"{DURATION}s x {ROUNDS} rounds, gunicorn sync x {WORKERS} workers)"
    )
    print(c.table(["endpoint", "req/s (median)", "req/s range", "p50 ms", "p99 ms", "vs (a)", "errors"], rows))
    if all(s.cpu_ms for v in samples.values() for s in v):
        print()
        print("CPU per request, ms (median over rounds; 'other' = rest of the machine in the same window)")
        cpu_rows = []
        for ep in endpoints:
            ss = samples[ep.key]
            cpu_rows.append(
                [f"({ep.key})"]
                + [
                    f"{statistics.median(s.cpu_ms[k] for s in ss):.3f}"
                    for k in ("gunicorn", "postgres", "loadgen", "other")
                ]
            )
        print(c.table(["endpoint", "gunicorn (app)", "postgres", "load generator", "other"], cpu_rows))

        def own_cpu(key: str) -> float:  # CPU of this benchmark's processes per request, median over rounds
            return statistics.median(
                sum(s.cpu_ms[k] for k in ("gunicorn", "postgres", "loadgen")) for s in samples[key]
            )

        print(
            "CPU-based ratios (less sensitive to other load on the machine; what the ratio would be if the run were"
            " purely CPU-bound): "
            + ", ".join(f"({ep.key})/(a) = {own_cpu('a') / own_cpu(ep.key):.3f}" for ep in endpoints[1:])
        )
    print()
    for ep in endpoints[1:]:
        per_round = ", ".join(f"{x.rps / a.rps:.3f}" for a, x in zip(samples["a"], samples[ep.key], strict=False))
        print(f"ratio ({ep.key})/(a) = {med[ep.key] / med['a']:.3f}  (per round {per_round})")
    print(f"target: a tenant-scoped read >= {TARGET_RATIO:.0%} of bare (a):")
    for ep in endpoints[1:]:
        ratio = med[ep.key] / med["a"]
        verdict = "MET" if ratio >= TARGET_RATIO else "NOT MET"
        print(f"   ({ep.key}) {ep.label}: {ratio:.1%}  {verdict}")


if __name__ == "__main__":
    main()
