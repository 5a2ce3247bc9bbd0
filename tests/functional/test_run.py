"""`motcua run` for real (gunicorn, a job worker, the test database): a killed job worker is restarted and
the new one takes jobs; every process logs at MOTCUA_LOG_LEVEL in MOTCUA_LOG_FORMAT (gunicorn's lines, the
app's one access line per request, the worker's job lines with the job's fields); each instance has its own
gunicorn control socket and its run.pid; `motcua stop` stops the server."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN
from sqlalchemy import text

MOTCUA = shutil.which("motcua", path=str(Path(sys.executable).parent)) or "motcua"
WORKER_STARTED = re.compile(r"job worker started \(pid (\d+)\)")
NOOP_TASK = "builtin:procrastinate.builtin_tasks.remove_old_jobs"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition, what: str, log: Path, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; motcua run said:\n{log.read_text()}")


def worker_pids(log: Path) -> list[int]:
    return [int(pid) for pid in WORKER_STARTED.findall(log.read_text())]


def records(log: Path) -> list[dict]:
    """The JSON log records in the output (``motcua run`` also prints a line of its own to stdout)."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def job_done(runtime, job_id: int) -> bool:
    with runtime.db.engine.connect() as conn:  # successful jobs are deleted from the queue
        return (
            conn.scalar(text("SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE id = :id"), {"id": job_id})
            == 0
        )


@pytest.fixture
def serve(runtime, tmp_path):
    """Start `motcua run` on the test database; yield (process, port, instance folder, log file)."""
    with runtime.db.engine.connect() as conn:
        last_job = conn.scalar(text("SELECT coalesce(max(id), 0) FROM procrastinate.procrastinate_jobs"))
    port, instance, log = free_port(), tmp_path / "instance", tmp_path / "run.log"
    instance.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MOTCUA_")}
    env.update(
        MOTCUA_DATABASE_URL=runtime.config.database_url,
        MOTCUA_SECRET_KEY=runtime.config.secret_key,
        MOTCUA_BASE_DOMAIN=TEST_BASE_DOMAIN,
        MOTCUA_INSTANCE_PATH=str(instance),
        MOTCUA_LOG_LEVEL="INFO",
        MOTCUA_LOG_FORMAT="json",
    )
    with open(log, "w") as out:
        process = subprocess.Popen(
            [MOTCUA, "run", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    try:
        yield process, port, instance, log, env
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        for pid in worker_pids(log):  # never leave a worker behind, even if the test failed half-way
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with runtime.db.engine.begin() as conn:  # periodic jobs the server's worker queued for later
            # (procrastinate's delete trigger names its tables without a schema: the connection's own search
            # path is a schema that does not exist, so a job deleted here failed the test whenever there was one)
            conn.execute(text("SELECT set_config('search_path', 'procrastinate', true)"))
            conn.execute(text("DELETE FROM procrastinate.procrastinate_jobs WHERE id > :id"), {"id": last_job})


@pytest.mark.committed
def test_a_killed_job_worker_is_restarted_and_the_new_one_takes_jobs(runtime, serve):
    process, port, instance, log, env = serve
    [first] = wait_for(lambda: worker_pids(log), "the job worker", log)
    wait_for(lambda: healthy(port), "gunicorn", log)
    # This instance's own control socket, not the per-user default that every instance would share.
    wait_for(lambda: (instance / "gunicorn.ctl").is_socket(), "gunicorn's control socket", log)
    assert (instance / "run.pid").read_text() == str(process.pid)

    os.kill(first, signal.SIGKILL)
    pids = wait_for(lambda: worker_pids(log) if len(worker_pids(log)) > 1 else None, "a new job worker", log)
    assert pids[0] == first and pids[1] != first
    assert re.search(rf"job worker \(pid {first}\) exited with signal SIGKILL .*; restarting in", log.read_text())
    assert healthy(port)  # the web server never noticed

    job_id = runtime.jobs.defer(NOOP_TASK, max_hours=10_000)
    wait_for(lambda: job_done(runtime, job_id), f"job {job_id} to be taken by the new worker", log)
    # The worker logs at MOTCUA_LOG_LEVEL (INFO) through the one logging set-up: procrastinate's job lines,
    # with the job's fields and the command's.
    job_lines = wait_for(lambda: [r for r in records(log) if r.get("job_id") == job_id], "the job's log lines", log)
    assert all(r["logger"].startswith("procrastinate.worker") for r in job_lines), job_lines
    assert {(r["level"], r["task"], r["tenant"], r["command"]) for r in job_lines} == {
        ("info", NOOP_TASK, "platform", "worker")
    }
    # gunicorn's own lines in the same format; one access line per request, the app's, none of gunicorn's
    assert any(r["logger"] == "gunicorn.error" and "Listening at" in r["event"] for r in records(log))
    health = [r for r in records(log) if r["logger"] == "motcua.access" and r["path"] == "/healthz"]
    assert health and {(r["status"], r["tenant"], r["actor"]) for r in health} == {(200, None, "anonymous")}
    assert "GET /healthz HTTP/1.1" not in log.read_text()

    # `motcua stop` stops this instance's run (its run.pid): gunicorn and the worker, no restart.
    [_, worker] = worker_pids(log)
    stopped = subprocess.run([MOTCUA, "stop"], env=env, capture_output=True, text=True, timeout=90)
    assert stopped.returncode == 0, stopped.stderr
    assert f"Stopped motcua run (pid {process.pid})" in stopped.stdout
    assert "MOTCUA_DATABASE_URL is set" in stopped.stdout  # an external database is never stopped
    assert process.wait(timeout=5) == 0
    assert not healthy(port) and not (instance / "run.pid").exists()
    with pytest.raises(ProcessLookupError):
        os.kill(worker, 0)
    assert len(worker_pids(log)) == 2
