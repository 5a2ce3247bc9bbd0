"""Background jobs on procrastinate (PostgreSQL-backed queue: works with the embedded database and
across many machines, with no extra broker).

Areas declare tasks on their own ``procrastinate.Blueprint``; the installed areas list them. Tasks take
the tenant slug as an explicit argument and bind a fresh session for it: a worker never inherits a
tenant from the process that enqueued the job.
"""

from __future__ import annotations

import threading
from typing import Any

import procrastinate
from sqlalchemy.engine import make_url

from motcua_platform import areas

QUEUE_SCHEMA = "procrastinate"


def job_runtime(context: Any):
    """The worker's Runtime, which ``run_worker`` hands to every task through its job context."""
    return context.additional_context["runtime"]


def conninfo(sqlalchemy_url: str) -> str:
    url = make_url(sqlalchemy_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class JobQueue:
    """The process's procrastinate app, opened lazily (after fork) for deferring jobs."""

    def __init__(self, database_url: str):
        connector = procrastinate.PsycopgConnector(
            conninfo=conninfo(database_url),
            kwargs={"options": f"-c search_path={QUEUE_SCHEMA}"},
            min_size=1,
            max_size=4,
        )
        self.app = procrastinate.App(connector=connector)
        for path, namespace in areas.installed().job_blueprints:
            self.app.add_tasks_from(areas.load(path), namespace=namespace)
        # Tasks import their services when they run, and a model's foreign keys name tables that other
        # areas define: a worker that mapped only some of them would fail its first job.
        areas.load_models()
        self._opened = False
        self._lock = threading.Lock()

    def _ensure_open(self) -> None:
        if not self._opened:
            with self._lock:
                if not self._opened:
                    self.app.open()
                    self._opened = True

    def defer(self, task_name: str, *, queueing_lock: str | None = None, **kwargs: Any) -> int | None:
        """Queue ``task_name``; with ``queueing_lock``, only if no job with that lock is already waiting
        (then None: the waiting job will do the work)."""
        self._ensure_open()
        task = self.app.tasks[task_name]
        if queueing_lock is None:
            return task.defer(**kwargs)
        try:
            return task.configure(queueing_lock=queueing_lock).defer(**kwargs)
        except procrastinate.exceptions.AlreadyEnqueued:
            return None

    def close(self) -> None:
        if self._opened:
            self.app.close()
            self._opened = False

    def run_worker(self, *, wait: bool, context: dict[str, Any], concurrency: int = 1) -> None:
        """Run jobs until stopped (``wait=True``) or until the queue is empty (``wait=False``)."""
        self.close()
        self.app.run_worker(
            wait=wait,
            concurrency=concurrency,
            additional_context=context,
            install_signal_handlers=wait,
            listen_notify=wait,
            delete_jobs="successful",
        )
