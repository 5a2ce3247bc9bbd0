"""The gunicorn worker and logger classes of ``motcua run`` (``worker_class`` and ``logger_class`` in
``gunicorn_settings``).

The worker is gunicorn's sync worker, except for the answers gunicorn writes itself, before or instead of the app:
a request it cannot parse (400), a request line or header past its limits (414, 431), an unsupported
transfer coding (501). Gunicorn writes those as HTML; here they have the one JSON error format of every
other answer ({status, code, message, errors}, docs/architecture.md).
"""

from __future__ import annotations

import json
import logging

from gunicorn import glogging, util
from gunicorn.workers.sync import SyncWorker

from motcua_platform.config import ConfigError, load_config
from motcua_platform.log_setup import configure_logging
from motcua_platform.web.errors import error_body

INTERNAL_ERROR = "Something went wrong on our side; it has been logged."


def write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """``gunicorn.util.write_error`` with a JSON body (same arguments, same connection handling)."""
    message = f"{reason}: {mesg}" if mesg else (INTERNAL_ERROR if status_int >= 500 else reason)
    body = json.dumps(error_body(status_int, message[:500]), ensure_ascii=False).encode("utf-8")
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    util.write_nonblock(sock, head.encode("latin-1") + body)


class JsonErrorSyncWorker(SyncWorker):
    def init_process(self):
        # Gunicorn writes its own error answers through this one function (Worker.handle_error); it is
        # replaced in the worker process only, where no other code calls it.
        util.write_error = write_json_error
        super().init_process()


class GunicornLogger(glogging.Logger):
    """gunicorn's own lines (listening, workers booted and timed out) go through the one logging set-up
    (``log_setup``), in the app's format, instead of handlers of gunicorn's. gunicorn writes no access
    log: the app writes one line per request, with what only it knows (``request_log``)."""

    def setup(self, cfg):
        self.cfg = cfg
        self._access_log_enabled = False
        self.loglevel = self.LOG_LEVELS.get(cfg.loglevel.lower(), logging.INFO)
        self.error_log.setLevel(self.loglevel)
        self.error_log.propagate = True
        try:
            log_format = load_config().log_format
        except ConfigError:
            log_format = None  # loading the app, next, reports every bad setting
        configure_logging(logging.getLevelName(self.loglevel), log_format)
