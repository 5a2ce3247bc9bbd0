"""Background jobs on procrastinate (PostgreSQL-backed queue: works with the embedded database and
across many machines, with no extra broker).

Areas declare tasks on their own ``procrastinate.Blueprint``; the installed areas list them. Tasks take
the tenant slug as an explicit argument and bind a fresh session for it: a worker never inherits a
tenant from the process that enqueued the job.

A job does its work in one unit of work (``with unit_of_work(context) as work:``): committed when the job
returns, rolled back when it raises. A job that sweeps every tenant opens one per tenant instead (``with
UnitOfWork(db)``), so one tenant's failure does not hold back the others.
"""

from __future__ import annotations

import threading
from typing import Any

import procrastinate
from sqlalchemy.engine import make_url
from structlog.contextvars import bind_contextvars

from motcua_platform import areas
from motcua_platform.db.unit_of_work import UnitOfWork
from motcua_platform.log_setup import job_fields

QUEUE_SCHEMA = "procrastinate"


def job_runtime(context: Any):
    """The worker's Runtime, which ``run_worker`` hands to every task through its job context."""
    return context.additional_context["runtime"]


def unit_of_work(context: Any) -> UnitOfWork:
    """The job's one transaction (``motcua_platform.db.unit_of_work``), on the worker's database."""
    return UnitOfWork(job_runtime(context).db)


async def bind_job_context(call_next, context, worker):
    """Worker middleware: every record logged while a job runs, in the task's thread too, carries the job's
    id, task and tenant (``log_setup.job_fields``). Each job runs in an asyncio task of its own, whose
    context copy ends with it: nothing is left bound for the next job."""
    job = context.job
    bind_contextvars(**job_fields(job.id, job.task_name, job.task_kwargs))
    return await call_next()


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
            worker_middleware=[bind_job_context],
        )
