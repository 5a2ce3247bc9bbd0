"""Shared by the citizen portal's benchmarks (portal.py, lighthouse.py; not a script itself): a database with
the demo provinces plus a province-sized catalogue on one of them, the server, and plain HTTP requests."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import _common as c

TENANT = "daklak"  # a demo province (its brand, units, demo citizen), given a full catalogue below
QUERY = "giay phep"  # matches about a third of the generated catalogue: many full pages of 20


def host(env: dict[str, str]) -> str:
    return f"{TENANT}.{env['MOTCUA_BASE_DOMAIN']}"


def prepare(env: dict[str, str], procedures: int) -> None:
    """Migrations, ``motcua demo`` (five provinces, brands, units, the demo citizen), then ``procedures``
    generated procedures imported into TENANT as a province would (``motcua catalogue import``): the demo's
    15 procedures alone never fill a page of 20."""
    import catalogue  # benchmarks/catalogue.py: its reproducible Phú Thọ-sized catalogue

    c.run_cli(["db", "upgrade"], env)
    c.run_cli(["demo"], env)
    path = Path(env["MOTCUA_INSTANCE_PATH"]) / "catalogue.csv"
    path.write_text(catalogue.generate_csv(procedures), encoding="utf-8")
    c.run_cli(["catalogue", "import", TENANT, str(path)], env)


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


def _wait_ready(port: int, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited ({server.returncode}); log:\n{log.read_text()[-4000:]}")
        with contextlib.suppress(OSError):
            if request(port, "/healthz", {}).status == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server did not answer /healthz within {timeout:.0f} s; log:\n{log.read_text()[-4000:]}")


def _stop(server: subprocess.Popen) -> None:
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


@contextlib.contextmanager
def serve(env: dict[str, str], workers: int) -> Iterator[int]:
    """``motcua run --no-worker --workers N`` (gunicorn, the repo's config) on a free port; yields the port.
    Its log goes to the instance folder, outside the work tree."""
    port = c.free_port()
    log = Path(env["MOTCUA_INSTANCE_PATH"]) / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [c.motcua_bin(), "run", "--no-worker", "--workers", str(workers), "--bind", f"127.0.0.1:{port}"],
            env=env,
            cwd=env["MOTCUA_INSTANCE_PATH"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(port, server, log)
        yield port
    finally:
        _stop(server)
