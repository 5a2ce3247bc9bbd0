"""Benchmark 1: throughput of tenant-scoped reads against a bare JSON endpoint, under gunicorn.

    .venv/bin/python benchmarks/tenant_read_throughput.py

Creates database ``motcua_bench_read``, runs ``motcua db upgrade`` and ``motcua demo`` on it, starts
``motcua run --no-worker --workers 2 --bind 127.0.0.1:<free port>`` and loads, in the same run and with
the same workers,

  (a) GET /healthz                                    (bare JSON, no database)
  (b) GET /api/v1/units?page_size=20  Host: phutho... (public tenant read: SET LOCAL role/search_path,
                                                       count + page query)
  (c) GET /api/v1/me  Host: phutho..., Bearer token   (authenticated tenant read)

with wrk (``-t2 -c32 -d10s`` after a warm-up), in BENCH_ROUNDS interleaved rounds (a, b, c, a, b, c, ...),
and prints requests/s, latency p50/p99, the ratios (b)/(a) and (c)/(a) (medians over rounds) and where
the CPU went. Target: (b)/(a) >= 0.60. Only prints; never fails on time.

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
import signal
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
import _common as c  # noqa: E402

DB_NAME = "motcua_bench_read"
TENANT_HOST = "phutho.motcua.localhost"
LOGIN = {"email": "quantri@phutho.gov.vn", "password": "MotCua@2026"}
TARGET_RATIO = 0.60

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "3"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))

WRK_SCRIPT = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"connect\":%d,\"read\":%d,\"write\":%d," ..
    "\"status\":%d,\"timeout\":%d,\"p50\":%d,\"p99\":%d,\"max\":%d}\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


@dataclass
class Endpoint:
    key: str
    label: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # socket errors + non-2xx/3xx
    cpu_ms: dict[str, float]  # CPU milliseconds per request by consumer


# -- load generators --------------------------------------------------------------------------------
def wrk_command(url: str, headers: dict[str, str], duration: int, script: str | None) -> list[str]:
    cmd = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", script]
    return cmd + [url]


def run_wrk(url: str, headers: dict[str, str], duration: int, script: str) -> dict:
    out = subprocess.run(
        wrk_command(url, headers, duration, script), capture_output=True, text=True, timeout=duration + 60, check=False
    )
    for line in out.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            data = json.loads(line.removeprefix("BENCHJSON "))
            seconds = data["duration_us"] / 1e6
            errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
            return {
                "requests": data["requests"],
                "rps": data["requests"] / seconds,
                "p50_ms": data["p50"] / 1000,
                "p99_ms": data["p99"] / 1000,
                "errors": errors,
            }
    raise RuntimeError(f"wrk gave no result (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")


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
def http_request(port: int, method: str, path: str, headers: dict[str, str], body: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    payload = json.dumps(body).encode() if body is not None else None
    if payload is not None:
        headers = {**headers, "Content-Type": "application/json"}
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


def wait_for_server(port: int, server: subprocess.Popen, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited ({server.returncode}); log:\n{log_path.read_text()[-4000:]}")
        try:
            status, _ = http_request(port, "GET", "/healthz", {})
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer /healthz within {timeout:.0f}s; log:\n{log_path.read_text()[-4000:]}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass


class CpuMeter:
    """CPU used during a window by: gunicorn (master + workers, incl. workers recycled meanwhile), the
    PostgreSQL backends of the bench database, the load generator, and everything else on the machine."""

    def __init__(self, master_pid: int, admin_url: str):
        self.master = master_pid
        self.admin = psycopg.connect(admin_url, autocommit=True)

    def _backends(self) -> dict[int, float]:
        pids = [
            r[0]
            for r in self.admin.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (DB_NAME,)
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
        return {"gunicorn": g * per, "postgres": pg * per, "loadgen": load * per, "other": other * per}

    def close(self) -> None:
        self.admin.close()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


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
    script.write_text(WRK_SCRIPT)
    with c.fresh_database(DB_NAME) as url:
        env = c.motcua_env(url, str(tmp / "instance"))
        t_upgrade = c.run_cli(["db", "upgrade"], env)
        t_demo = c.run_cli(["demo"], env)
        print(f"   setup: motcua db upgrade {t_upgrade:.2f}s, motcua demo {t_demo:.2f}s")
        port = c.free_port()
        log_path = tmp / "server.log"
        command = [c.motcua_bin(), "run", "--no-worker", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}"]
        print(f"   server: {' '.join(['motcua', *command[1:]])}  (gunicorn log: {log_path})")
        with open(log_path, "w") as log:
            server = subprocess.Popen(
                command,
                env=env,
                cwd=tmp,
                stdout=subprocess.DEVNULL,  # gunicorn's access log ("-" = stdout) stays on, as configured
                stderr=log,
                start_new_session=True,
            )
        meter = None
        try:
            wait_for_server(port, server, log_path)
            status, body = http_request(port, "POST", "/api/v1/auth/login", {"Host": TENANT_HOST}, LOGIN)
            if status != 201:
                raise RuntimeError(f"login failed: {status} {body[:300]!r}")
            token = json.loads(body)["token"]
            endpoints = [
                Endpoint("a", "GET /healthz (bare JSON)", "/healthz"),
                Endpoint("b", "GET /api/v1/units?page_size=20 (tenant, public)", "/api/v1/units?page_size=20",
                         {"Host": TENANT_HOST}),
                Endpoint("c", "GET /api/v1/me (tenant, bearer)", "/api/v1/me",
                         {"Host": TENANT_HOST, "Authorization": f"Bearer {token}"}),
            ]
            for ep in endpoints:
                status, body = http_request(port, "GET", ep.path, ep.headers)
                if status != 200:
                    raise RuntimeError(f"{ep.label}: HTTP {status} {body[:300]!r}")
            master = next(iter(c.child_pids(server.pid)), None)
            meter = CpuMeter(master, c.database_url("postgres")) if master else None
            if have_wrk:
                print("   load:   " + " ".join(wrk_command(f"http://127.0.0.1:{port}<path>", {"Host": "<host>"},
                                                         DURATION, "report.lua")))
            print(f"   {ROUNDS} round(s) of a, b, c; each: {WARMUP}s warm-up, then {DURATION}s measured")
            sys.stdout.flush()
            samples: dict[str, list[Sample]] = {ep.key: [] for ep in endpoints}
            for rnd in range(1, ROUNDS + 1):
                for ep in endpoints:
                    target = f"http://127.0.0.1:{port}{ep.path}"
                    if have_wrk:
                        run_wrk(target, ep.headers, WARMUP, str(script))
                    else:
                        run_python_load(port, ep.path, ep.headers, WARMUP)
                    if meter:
                        meter.start()
                    result = (
                        run_wrk(target, ep.headers, DURATION, str(script))
                        if have_wrk
                        else run_python_load(port, ep.path, ep.headers, DURATION)
                    )
                    cpu = meter.stop(result["requests"]) if meter else {}
                    samples[ep.key].append(
                        Sample(result["rps"], result["p50_ms"], result["p99_ms"], result["requests"], result["errors"],
                               cpu)
                    )
                    print(
                        f"   round {rnd} ({ep.key}) {result['rps']:9.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                        f"p99 {result['p99_ms']:7.2f} ms  errors {result['errors']}  loadavg {c.loadavg()}"
                    )
                    sys.stdout.flush()
        finally:
            if meter:
                meter.close()
            stop_server(server)

    report(endpoints, samples, have_wrk)


def report(endpoints: list[Endpoint], samples: dict[str, list[Sample]], have_wrk: bool) -> None:
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
    print(f"Results ({'wrk' if have_wrk else 'Python load generator'}, {THREADS} threads, {CONNECTIONS} connections, "
          f"{DURATION}s x {ROUNDS} rounds, gunicorn sync x {WORKERS} workers)")
    print(c.table(["endpoint", "req/s (median)", "req/s range", "p50 ms", "p99 ms", "vs (a)", "errors"], rows))
    if all(s.cpu_ms for v in samples.values() for s in v):
        print()
        print("CPU per request, ms (median over rounds; 'other' = rest of the machine in the same window)")
        cpu_rows = []
        for ep in endpoints:
            ss = samples[ep.key]
            cpu_rows.append(
                [f"({ep.key})"]
                + [f"{statistics.median(s.cpu_ms[k] for s in ss):.3f}" for k in ("gunicorn", "postgres", "loadgen", "other")]
            )
        print(c.table(["endpoint", "gunicorn (app)", "postgres", "load generator", "other"], cpu_rows))
    rb = [b.rps / a.rps for a, b in zip(samples["a"], samples["b"], strict=True)]
    rc = [x.rps / a.rps for a, x in zip(samples["a"], samples["c"], strict=True)]
    print()
    ratio_b = med["b"] / med["a"]
    ratio_c = med["c"] / med["a"]
    print(f"ratio (b)/(a) = {ratio_b:.3f}  (per round {', '.join(f'{r:.3f}' for r in rb)})")
    print(f"ratio (c)/(a) = {ratio_c:.3f}  (per round {', '.join(f'{r:.3f}' for r in rc)})")
    verdict = "MET" if ratio_b >= TARGET_RATIO else "NOT MET"
    print(f"target: tenant-scoped read >= {TARGET_RATIO:.0%} of bare -> (b)/(a) = {ratio_b:.1%}: {verdict}")
    verdict_c = "MET" if ratio_c >= TARGET_RATIO else "NOT MET"
    print(f"        (authenticated tenant read (c)/(a) = {ratio_c:.1%}: {verdict_c})")


if __name__ == "__main__":
    main()
