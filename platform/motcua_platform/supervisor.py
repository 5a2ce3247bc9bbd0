"""Keeps the job worker of `motcua run` alive.

A dead worker is silent: the API still answers 201 while notifications, usage, billing and provisioning
wait in the queue. `motcua run` therefore restarts it, after a pause that doubles while it keeps dying
soon after starting (a crash loop, e.g. the database is down) and falls back to the minimum once it has
stayed up. Every exit and restart is logged. Jobs a dead worker held are not lost: procrastinate gives
them back (stalled jobs) or they stay queued.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

log = logging.getLogger(__name__)


class WorkerSupervisor:
    """Start ``command``; ``check()`` (called periodically) restarts it when it has exited."""

    def __init__(
        self,
        command: Sequence[str],
        env: Mapping[str, str],
        *,
        min_backoff: float = 1.0,
        max_backoff: float = 60.0,
        stable_after: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.command, self.env = list(command), dict(env)
        self.min_backoff, self.max_backoff, self.stable_after = min_backoff, max_backoff, stable_after
        self.clock = clock
        self.process: subprocess.Popen | None = None
        self.backoff = min_backoff
        self.restarts = 0
        self.stopping = False  # set when the whole service is stopping: an exit then is no crash
        self._started_at = 0.0
        self._restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, env=self.env)
        self._started_at = self.clock()
        self._restart_at = None
        log.info("job worker started (pid %s)", self.process.pid)

    def check(self) -> None:
        """Notice an exit and schedule a restart; restart when its pause is over."""
        if self.stopping:
            return
        if self._restart_at is not None:
            if self.clock() >= self._restart_at:
                self.restarts += 1
                self.start()
            return
        if self.process is None or self.process.poll() is None:
            return
        uptime = self.clock() - self._started_at
        # A worker that ran long enough was healthy: start the next pause from the minimum again.
        self.backoff = self.min_backoff if uptime >= self.stable_after else self.backoff
        log.error(
            "job worker (pid %s) exited with %s after %.0f s; restarting in %.0f s",
            self.process.pid,
            describe_exit(self.process.returncode),
            uptime,
            self.backoff,
        )
        self._restart_at = self.clock() + self.backoff
        self.backoff = min(self.backoff * 2, self.max_backoff)

    def stop(self, timeout: float = 30) -> None:
        """Ask the worker to finish its current job and exit (SIGTERM); kill it after ``timeout``."""
        self.stopping = True
        self._restart_at = None
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"status {returncode}"
