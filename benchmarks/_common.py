"""Shared helpers for the benchmark scripts in this folder (not a test module, not part of the package).

Each benchmark creates its own database on the server named by ``BENCH_DATABASE_SERVER`` (default
``postgresql://postgres@127.0.0.1:5432``), drops and re-creates it at start, and drops it (and the
cluster-wide tenant roles whose names start with the database name) at the end.

**Smoke mode** (``--smoke`` or ``BENCH_SMOKE=1``): every script runs at a tiny size (a few rows, one short
round) so that the test suite can run each one in seconds and a benchmark that no longer runs fails CI
(tests/functional/test_benchmarks.py). The figures it prints then mean nothing; that it prints them does.
``BENCH_DATABASE_SUFFIX`` is appended to every database name, so runs from several work trees or test
workers on one server never share a database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432"
SMOKE = os.environ.get("BENCH_SMOKE") == "1" or "--smoke" in sys.argv[1:]
if SMOKE:
    os.environ["BENCH_SMOKE"] = "1"  # the CLI and server subprocesses a script starts see it too


def sized(env_name: str, full: int, smoke: int) -> int:
    """An integer setting: ``env_name`` if set, else ``full``, or ``smoke`` in smoke mode."""
    return int(os.environ.get(env_name) or (smoke if SMOKE else full))


def db_name(name: str) -> str:
    return name + os.environ.get("BENCH_DATABASE_SUFFIX", "")


def motcua_bin() -> str:
    found = shutil.which("motcua", path=str(VENV_BIN)) or shutil.which("motcua")
    if not found:
        sys.exit("motcua CLI not found: run this with the project's virtualenv, e.g. .venv/bin/python " + sys.argv[0])
    return found


def server_url() -> str:
    return os.environ.get("BENCH_DATABASE_SERVER", DEFAULT_SERVER).rstrip("/")


def database_url(name: str) -> str:
    base, separator, query = server_url().partition("?")  # an embedded server's URL names its socket in the query
    return f"{base.rstrip('/')}/{name}{separator}{query}"


def _admin_conninfo() -> str:
    return database_url("postgres")


def _drop(cur: psycopg.Cursor, name: str) -> None:
    cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    # Tenant roles are cluster-wide and named <database>_t_<slug> (motcua_platform.db.database).
    cur.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (name.replace("_", r"\_") + r"\_t\_%",))
    for (role,) in cur.fetchall():
        cur.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


@contextlib.contextmanager
def fresh_database(name: str, keep: bool = False) -> Iterator[str]:
    """Drop and re-create database ``name`` (plus ``BENCH_DATABASE_SUFFIX``); yield its URL; drop it (and its
    tenant roles) afterwards."""
    name = db_name(name)
    keep = keep or os.environ.get("BENCH_KEEP_DATABASE") == "1"
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn, conn.cursor() as cur:
        _drop(cur, name)
        cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield database_url(name)
    finally:
        if not keep:
            with psycopg.connect(_admin_conninfo(), autocommit=True) as conn, conn.cursor() as cur:
                _drop(cur, name)


def motcua_env(db_url: str, instance_dir: str | None = None, **extra: str) -> dict[str, str]:
    """Environment for the motcua CLI / app against ``db_url``; nothing is written into the work tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    env.update(
        MOTCUA_DATABASE_URL=db_url,
        MOTCUA_SECRET_KEY=os.environ.get("MOTCUA_SECRET_KEY") or secrets.token_urlsafe(48),
        MOTCUA_BASE_DOMAIN=os.environ.get("MOTCUA_BASE_DOMAIN", "motcua.localhost"),
        MOTCUA_INSTANCE_PATH=instance_dir or tempfile.mkdtemp(prefix="motcua-bench-"),
        MOTCUA_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def apply_env(env: dict[str, str]) -> None:
    """Make this process's ``load_config()`` see ``env`` (for in-process benchmarks)."""
    for key in [k for k in os.environ if k.startswith("MOTCUA_")]:
        del os.environ[key]
    os.environ.update({k: v for k, v in env.items() if k.startswith("MOTCUA_")})


def run_cli(args: Sequence[str], env: dict[str, str], *, quiet: bool = True, timeout: float = 600) -> float:
    """Run ``motcua ARGS``; return wall seconds. Raise with its output if it fails."""
    started = time.perf_counter()
    result = subprocess.run(
        [motcua_bin(), *args],
        env=env,
        cwd=tempfile.gettempdir(),
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.STDOUT if quiet else None,
        text=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"motcua {' '.join(args)} failed ({result.returncode}):\n{result.stdout or ''}")
    return elapsed


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- reporting ------------------------------------------------------------------------------------
def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(r: Sequence[str]) -> str:
        return "  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))

    out = [line(cells[0]), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in cells[1:]]
    return "\n".join(out)


def summary(values: Sequence[float]) -> tuple[float, float, float]:
    return min(values), statistics.median(values), max(values)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def postgres_version() -> str:
    with psycopg.connect(_admin_conninfo(), autocommit=True) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def print_header(title: str) -> None:
    print(f"== {title}")
    print(
        f"   {dt.datetime.now().astimezone().isoformat(timespec='seconds')}  nproc={os.cpu_count()}  "
        f"mem={mem_total_gib():.1f} GiB  cpu={cpu_model()}  PostgreSQL {postgres_version()}  "
        f"Python {platform.python_version()}  loadavg={loadavg()}"
    )
    print(f"   database server: {server_url()}")
    sys.stdout.flush()


# -- CPU accounting (Linux /proc) ------------------------------------------------------------------
CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def proc_cpu(pid: int, *, children: bool = False) -> float:
    """CPU seconds used by ``pid`` (plus its reaped children when ``children``); 0 if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = raw.rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + ((cutime + cstime) if children else 0)) / CLK_TCK


def child_pids(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def system_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine since boot (all CPUs), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks stop servers and drop the database."""
    import signal

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def uptime() -> str:
    """What ``uptime`` prints (the load average at least), for a line before each round of a benchmark."""
    found = shutil.which("uptime")
    if not found:
        return f"load average: {loadavg()}"
    return subprocess.run([found], capture_output=True, text=True, check=False).stdout.strip()


@contextlib.contextmanager
def second_server(folder: Path, like_url: str) -> Iterator[str]:
    """A second PostgreSQL cluster (pgserver) under ``folder``, with a database named as ``like_url``'s (tenant
    roles are named after the main database): its URL, for MOTCUA_DATABASE_SERVERS; stopped afterwards."""
    from motcua_platform.db.embedded import start_embedded, stop_embedded
    from sqlalchemy.engine import make_url

    url = start_embedded(folder / "pgdata", database=make_url(like_url).database)
    try:
        yield url
    finally:
        stop_embedded(folder / "pgdata")
