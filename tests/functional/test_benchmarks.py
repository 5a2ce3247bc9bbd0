"""Every script in benchmarks/ runs in its smoke mode (BENCH_SMOKE=1: a few rows, one short round) and prints
its figures, so a benchmark that breaks fails the suite instead of rotting until someone needs its figure.
A new script is covered by being there. Timings are never asserted: on a shared machine they mean nothing."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
SCRIPTS = sorted(p.name for p in BENCHMARKS.glob("*.py") if not p.name.startswith("_"))
TABLE_RULE = re.compile(r"^-+(  -+)+$", re.MULTILINE)  # the rule under a table's header (_common.table)
FIGURE = re.compile(r"\d[\d.,]* ms\b")


def test_every_benchmark_is_collected():
    assert "billing_ingest.py" in SCRIPTS and "tenant_read_throughput.py" in SCRIPTS and len(SCRIPTS) >= 10


@pytest.mark.parametrize("script", SCRIPTS)
def test_benchmark_runs_in_smoke_mode(script, database_url, worker_id, request):
    url = make_url(database_url)  # the test server, without a database: each script creates its own
    server = URL.create("postgresql", url.username, url.password, url.host, url.port, query=url.query)
    checkout = hashlib.sha256(str(request.config.rootpath).encode()).hexdigest()[:6]
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MOTCUA_", "BENCH_"))}
    env.update(
        BENCH_SMOKE="1",
        BENCH_DATABASE_SERVER=server.render_as_string(hide_password=False),
        # Its own databases on the test server, apart from other work trees' and test workers' runs.
        BENCH_DATABASE_SUFFIX=f"_{checkout}_{worker_id}",
    )
    result = subprocess.run(
        [sys.executable, str(BENCHMARKS / script)],
        env=env,
        cwd=BENCHMARKS.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    assert result.stdout.startswith("== "), output[-5000:]  # the header every script prints
    assert TABLE_RULE.search(result.stdout) or FIGURE.search(result.stdout), result.stdout[-5000:]
