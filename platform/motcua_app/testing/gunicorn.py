"""A real gunicorn (``motcua run``'s command and settings, ``motcua_platform.gunicorn_settings``) serving the app
on the test database, for tests that need what only another process shows: gunicorn's own answers, or a second
process's caches."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from motcua_platform.cli import gunicorn_command

from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn_server(database_url: str, instance_path: Path, **settings: str) -> Iterator[int]:
    """One worker on a free port, its ``MOTCUA_*`` settings overridable; yields the port once ``/healthz``
    answers, stops the server afterwards."""
    port = free_port()
    env = {
        **os.environ,
        "MOTCUA_DATABASE_URL": database_url,
        "MOTCUA_SECRET_KEY": "test-server-secret-" + "x" * 32,
        "MOTCUA_BASE_DOMAIN": TEST_BASE_DOMAIN,
        "MOTCUA_BIND": f"127.0.0.1:{port}",
        "MOTCUA_WEB_WORKERS": "1",
        "MOTCUA_LOG_LEVEL": "WARNING",  # no access lines in the test's output
        "MOTCUA_INSTANCE_PATH": str(instance_path),
        **settings,
    }
    process = subprocess.Popen(gunicorn_command(), cwd=instance_path, env=env)
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)
