"""HTTP for the benchmark scripts (not a script itself): the server under test (``motcua run``, gunicorn with
the repo's settings, in its own process group), plain requests to it, and wrk with a Lua report that prints
one machine-readable line."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

sys.path.insert(0, str(Path(__file__).parent))
import _common as c


# wrk's ``done`` hook: the figures as one JSON line (wrk's own text report rounds them and varies in units).
class Load(NamedTuple):
    rounds: int
    duration: int
    warmup: int
    connections: int
    threads: int
    workers: int


def load_settings(warmup: int = 2) -> Load:
    """The wrk load of a throughput script: BENCH_ROUNDS (3), BENCH_DURATION (10 s), BENCH_WARMUP (``warmup``
    s), BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_WORKERS (2 gunicorn workers); smaller in smoke mode."""
    return Load(
        c.sized("BENCH_ROUNDS", 3, 1),
        c.sized("BENCH_DURATION", 10, 1),
        c.sized("BENCH_WARMUP", warmup, 0),
        c.sized("BENCH_CONNECTIONS", 32, 2),
        int(os.environ.get("BENCH_THREADS", "2")),
        c.sized("BENCH_WORKERS", 2, 1),
    )


WRK_REPORT_LUA = r"""
done = function(summary, latency, requests)
  io.write(string.format(
    "BENCHJSON {\"requests\":%d,\"duration_us\":%d,\"connect\":%d,\"read\":%d,\"write\":%d," ..
    "\"status\":%d,\"timeout\":%d,\"p50\":%d,\"p95\":%d,\"p99\":%d,\"max\":%d}\n",
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""

# Numbers wrk's threads so that a request() hook can give each thread its own place in a sequence.
WRK_THREAD_IDS_LUA = r"""
local threads = 0
function setup(thread)
  thread:set("tid", threads)
  threads = threads + 1
end
"""


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes  # as sent (compressed if the server compressed it)
    header_bytes: int  # status line and headers, as sent


def request(port: int, path: str, headers: dict[str, str], method: str = "GET", body: object | None = None) -> Reply:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {**headers, **({"Content-Type": "application/json"} if payload is not None else {})}
        conn.request(method, path, body=payload, headers=sent)
        response = conn.getresponse()
        data = response.read()  # http.client never decodes Content-Encoding: these are the bytes sent
        status_line = len(f"HTTP/1.1 {response.status} {response.reason}\r\n")
        header_bytes = status_line + sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 2
        return Reply(response.status, response.headers, data, header_bytes)
    finally:
        conn.close()


def wait_ready(port: int, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited ({server.returncode}); log:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError):
            if request(port, "/healthz", {}).status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer /healthz within {timeout:.0f} s; log:\n{log.read_text()[-4000:]}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    try:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the master and its workers
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    except ProcessLookupError:
        pass


def run_command(workers: int, port: int) -> list[str]:
    return [c.motcua_bin(), "run", "--no-worker", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]


def start(command: list[str], env: dict[str, str], port: int, log: Path, cwd: str | Path) -> subprocess.Popen:
    """``command`` (a server bound to ``port``) in a process group of its own, its output in ``log``; returns
    once it answers ``/healthz``."""
    with log.open("wb") as out:
        server = subprocess.Popen(
            command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    wait_ready(port, server, log)
    return server


@contextlib.contextmanager
def serve(env: dict[str, str], workers: int) -> Iterator[int]:
    """``motcua run --no-worker --workers N`` on a free port; yields the port. Its log goes to the instance
    folder, outside the work tree."""
    port = c.free_port()
    log = Path(env["MOTCUA_INSTANCE_PATH"]) / "server.log"
    server = start(run_command(workers, port), env, port, log, env["MOTCUA_INSTANCE_PATH"])
    try:
        yield port
    finally:
        stop(server)


def wrk_missing(first_column: str) -> bool:
    """True, after saying so and printing an empty table, when wrk is not installed (nothing can be loaded)."""
    if shutil.which("wrk"):
        return False
    print("!! wrk is not installed (apt-get install -y wrk): nothing measured")
    print(c.table([first_column, "req/s"], [["(none)", "-"]]))
    return True


def wrk_command(
    url: str,
    headers: dict[str, str],
    *,
    duration: int,
    threads: int,
    connections: int,
    script: str | Path | None = None,
    args: list[str] | None = None,
) -> list[str]:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if script:
        cmd += ["-s", str(script)]
    return [*cmd, url, *(["--", *args] if args else [])]


def run_wrk(
    url: str,
    headers: dict[str, str],
    *,
    duration: int,
    threads: int,
    connections: int,
    script: str | Path,
    args: list[str] | None = None,
) -> dict:
    """One wrk run with a script ending in WRK_REPORT_LUA: requests, req/s, latency percentiles (ms), errors
    (socket errors plus answers other than 2xx/3xx)."""
    command = wrk_command(
        url, headers, duration=duration, threads=threads, connections=connections, script=script, args=args
    )
    out = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60, check=False)
    for line in out.stdout.splitlines():
        if line.startswith("BENCHJSON "):
            data = json.loads(line.removeprefix("BENCHJSON "))
            return {
                "requests": data["requests"],
                "rps": data["requests"] / (data["duration_us"] / 1e6),
                "p50_ms": data["p50"] / 1000,
                "p95_ms": data["p95"] / 1000,
                "p99_ms": data["p99"] / 1000,
                "max_ms": data["max"] / 1000,
                "errors": sum(data[k] for k in ("connect", "read", "write", "status", "timeout")),
            }
    raise RuntimeError(f"wrk gave no result (exit {out.returncode}):\n{out.stdout}\n{out.stderr}")
