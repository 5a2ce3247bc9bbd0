"""The one logging set-up of every motcua process: the web app (gunicorn's master and workers), the job
worker and the CLI all build their runtime through ``runtime.build_runtime``, which calls
``configure_logging`` with ``MOTCUA_LOG_LEVEL`` and ``MOTCUA_LOG_FORMAT``; gunicorn's own lines come
through the same set-up (``web_worker.GunicornLogger``).

One stdlib handler renders every record, ours and the libraries' (gunicorn, SQLAlchemy, procrastinate,
alembic), with structlog's ``ProcessorFormatter``: one JSON object a line in production, a readable line
in development (ADR 0021). Each record carries what ``structlog.contextvars`` holds where it was logged:
request id, tenant and actor in a request (``request_log``), job id, task and tenant in a job (``jobs``),
the command in the CLI (``cli``). Modules keep logging through ``logging.getLogger(__name__)``;
``structlog.get_logger`` is for lines made of fields, such as the access line.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from typing import Any, TextIO

import orjson
import structlog

FORMATS = ("json", "console")
# The tenant of a record on the platform host, or of a job that is for no one tenant (a periodic sweep).
PLATFORM_TENANT = "platform"
# Libraries whose INFO (or DEBUG) lines are noise for an operator: fontTools logs each glyph-subsetting step
# of every PDF it embeds a font in (about 25 lines per invoice or form); pgserver echoes initdb and pg_ctl;
# every process start lists each periodic task procrastinate registers, and the periodic deferrer reports
# each job it queues (the worker logs every job it runs anyway). SQLAlchemy would log every statement, and
# botocore every signed request with its Authorization header, as soon as the level is DEBUG; Stripe's
# client logs each API call at INFO; Pillow, urllib3 and asyncio talk at DEBUG. Their warnings still show.
# pyHanko logs a traceback at WARNING for every signature it finds untrusted, revoked or expired (an
# uploaded PDF from anyone), naming the signer: the verdict is the platform's report, so only its errors show;
# its certificate validator logs each CRL and certificate it fetches at INFO.
QUIET_LOGGERS = {
    "pyhanko.sign.validation": logging.ERROR,
    "pyhanko_certvalidator": logging.WARNING,
    "fontTools": logging.WARNING,
    "pgserver": logging.WARNING,
    "procrastinate.blueprints": logging.WARNING,
    "procrastinate.periodic": logging.WARNING,
    "sqlalchemy": logging.WARNING,
    "psycopg.pool": logging.WARNING,
    "botocore": logging.WARNING,
    "boto3": logging.WARNING,
    "s3transfer": logging.WARNING,
    "urllib3": logging.WARNING,
    "stripe": logging.WARNING,
    "PIL": logging.WARNING,
    "asyncio": logging.WARNING,
}
# A field with one of these in its name holds a credential, whoever logs it: its value is never written.
SECRET_FIELD = re.compile(r"passw|secret|token|authorization|cookie|api_?key", re.IGNORECASE)
REDACTED = "[redacted]"


def configure_logging(level: str, fmt: str | None = None) -> None:
    """Root at ``level`` with one stderr handler rendering ``fmt`` (``json`` or ``console``; None: console
    on a terminal, else json), library noise quietened. Safe to call again (a process that builds a second
    runtime, gunicorn then its app, the test suite): the handler installed here is replaced, and none is
    added to a root that already has a host's own (pytest's capture)."""
    # What no line of ours writes, the logging HOWTO's "Optimization" turns off: the caller's file and line
    # (a walk up the stack for every record), the thread's and process's names. Every request logs a line.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, LogHandler)]:
        root.removeHandler(handler)
    if not root.handlers:
        root.addHandler(LogHandler(fmt))
    root.setLevel(level)
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet_level)


class LogHandler(logging.StreamHandler):
    """The handler ``configure_logging`` installs (stderr unless ``stream`` is given): every record in
    ``fmt``, with the fields bound in its context."""

    def __init__(self, fmt: str | None = None, stream: TextIO | None = None):
        super().__init__(stream)
        fmt = fmt or ("console" if self.stream.isatty() else "json")
        if fmt not in FORMATS:
            raise ValueError(f"log format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        self.setFormatter(formatter(fmt, colors=self.stream.isatty()))


def formatter(fmt: str, *, colors: bool = False) -> structlog.stdlib.ProcessorFormatter:
    if fmt == "json":
        render = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer(serializer=json_line)]
    else:
        # A plain traceback: the rich one that structlog prefers would print each frame's local
        # variables, passwords and tokens among them.
        render = [structlog.dev.ConsoleRenderer(colors=colors, exception_formatter=structlog.dev.plain_traceback)]
    return structlog.stdlib.ProcessorFormatter(
        # records from stdlib loggers, ours and the libraries': the fields structlog's own lines get
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            procrastinate_job_fields,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, redact_secrets, *render],
    )


def json_line(event_dict: dict[str, Any], default=None, **_kwargs) -> str:
    """One record as a compact JSON object, written by orjson: every request writes one (the access line),
    and the json module's encoder was a tenth of a cached API answer's CPU. What orjson refuses (an integer
    past 64 bits) goes through the json module."""
    try:
        return orjson.dumps(event_dict, default=default).decode()
    except orjson.JSONEncodeError:
        return json.dumps(event_dict, default=default, separators=(",", ":"), ensure_ascii=False)


def job_fields(job_id: int | None, task_name: str | None, task_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of every record logged for a job. Tasks for one tenant take its slug as their ``tenant``
    argument (``jobs``); a job without one works for the platform or every tenant."""
    tenant = task_kwargs.get("tenant")
    return {"job_id": job_id, "task": task_name, "tenant": tenant if isinstance(tenant, str) else PLATFORM_TENANT}


def procrastinate_job_fields(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """procrastinate's records name their job in ``extra={"job": {...}}``, which gives the same fields: the
    worker's "Starting job …" comes before the job's own context is bound (``jobs.bind_job_context``), and a
    deferral's line says which job it queued. What is bound already (a request's tenant) is kept."""
    job = getattr(event_dict.get("_record"), "job", None)
    if isinstance(job, Mapping) and "id" in job:
        for key, value in job_fields(job["id"], job.get("task_name"), job.get("task_kwargs") or {}).items():
            event_dict.setdefault(key, value)
    return event_dict


def redact_secrets(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key in event_dict:
        if _names_a_secret(key):
            event_dict[key] = REDACTED
    return event_dict


@functools.lru_cache(maxsize=4096)  # field names are few and fixed in code; a lookup beats the search
def _names_a_secret(key: str) -> bool:
    return SECRET_FIELD.search(key) is not None
