"""The one logging set-up of every motcua process: the web app (gunicorn's master and workers), the job
worker and the CLI all build their runtime through ``runtime.build_runtime``, which calls
``configure_logging`` with ``MOTCUA_LOG_LEVEL``.

Before this existed only the web app configured logging, so a job worker ran with Python's default
(WARNING, no format): the log SMS provider's messages and the worker's job lines were dropped.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose INFO lines are noise for an operator: fontTools logs each glyph-subsetting step of every
# PDF it embeds a font in (about 25 lines per invoice or form); pgserver echoes initdb and pg_ctl; every
# process start lists each periodic task procrastinate registers, and the periodic deferrer reports each
# job it queues (the worker logs every job it runs anyway).
QUIET_LOGGERS = {
    "fontTools": logging.WARNING,
    "pgserver": logging.WARNING,
    "procrastinate.blueprints": logging.WARNING,
    "procrastinate.periodic": logging.WARNING,
}


def configure_logging(level: str) -> None:
    """Root at ``level`` with one stderr handler, library noise quietened. Safe to call again (a process
    that builds a second runtime, the test suite): the handler is added only to a root that has none, as
    ``logging.basicConfig`` would, so a host's own handlers (pytest's capture, gunicorn's) are kept."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    root.setLevel(level)
    for name, quiet_level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet_level)
