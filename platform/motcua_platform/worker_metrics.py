"""The job worker's own Prometheus endpoint (ADR 0057): ``GET /metrics`` on ``MOTCUA_WORKER_METRICS_BIND``.

The worker serves no HTTP otherwise, yet it is where provisioning, migrations, usage ingestion and backups
are timed and counted. It answers with what its process counted (``metrics.counted_registry``: its own
figures, or the folder's in multiprocess mode), never the scrape-time sources (queue depth, backlogs): the
web's /metrics reads those, and two targets serving them would add up twice in a ``sum()``. The caller is
checked exactly as at the web's /metrics (``metrics.scrape_allowed``). A tiny WSGI app on the standard
library's server, in daemon threads: a scrape never waits for a job, and a job never for a scrape.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.exposition import generate_latest

from motcua_platform import metrics
from motcua_platform.web.errors import error_body

log = logging.getLogger(__name__)


def wsgi_app(runtime: Any) -> Callable:
    """``GET /metrics`` only; the token is read from ``runtime.config`` at each scrape."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics":
            return _error(start_response, 404, "not_found", "Only /metrics is served here.")
        if environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
            return _error(start_response, 405, "method_not_allowed", "Only GET is served here.")
        allowed = metrics.scrape_allowed(
            runtime.config.metrics_token, environ.get("HTTP_AUTHORIZATION"), environ.get("REMOTE_ADDR")
        )
        if not allowed:
            return _error(start_response, 403, "forbidden", "Metrics are not served to this caller.")
        body = generate_latest(metrics.counted_registry())
        start_response(
            "200 OK",
            [("Content-Type", CONTENT_TYPE_LATEST), ("Content-Length", str(len(body))), ("Cache-Control", "no-store")],
        )
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else body]

    return app


def _error(start_response: Callable, status: int, code: str, message: str) -> list[bytes]:
    body = json.dumps(error_body(status, message, code)).encode()
    reason = {403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed"}[status]
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    if status == 405:
        headers.append(("Allow", "GET, HEAD"))
    start_response(f"{status} {reason}", headers)
    return [body]


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a scrape in flight never holds the worker's exit


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the standard library's name
        pass  # one line per scrape every 15 s would drown the jobs' lines


class MetricsServer:
    """The listening server, running in a daemon thread until ``stop()``."""

    def __init__(self, runtime: Any, bind: str):
        host, _, port = bind.rpartition(":")
        host = host.strip("[]")  # [::]:9100
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        server_class = type("MetricsWSGIServer", (_ThreadingServer,), {"address_family": family})
        self.server = make_server(host, int(port), wsgi_app(runtime), server_class, _QuietHandler)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, name="worker-metrics", daemon=True)
        self.thread.start()
        log.info("job worker metrics served on %s:%s/metrics", host, self.port)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
