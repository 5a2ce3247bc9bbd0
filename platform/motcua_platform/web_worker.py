"""The gunicorn worker class of ``motcua run`` (``worker_class`` in infra/gunicorn.conf.py).

It is gunicorn's sync worker, except for the answers gunicorn writes itself, before or instead of the app:
a request it cannot parse (400), a request line or header past its limits (414, 431), an unsupported
transfer coding (501). Gunicorn writes those as HTML; here they have the one JSON error format of every
other answer ({status, code, message, errors}, docs/architecture.md).
"""

from __future__ import annotations

import json

from gunicorn import util
from gunicorn.workers.sync import SyncWorker

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
