"""The job worker's own /metrics (MOTCUA_WORKER_METRICS_BIND, ADR 0057): real HTTP on a free port, serving
what the worker's process counted (a tenant provisioned by the real job), guarded as the web's /metrics is."""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from motcua_app.testing.pytest_plugin import TEST_BASE_DOMAIN
from motcua_app.testing.seed import SEED_ACTOR
from motcua_platform import worker_metrics
from motcua_platform.directory.models import Tenant
from motcua_tenants.registry import services
from motcua_tenants.registry.cli import enqueue
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import delete, text
from werkzeug.test import Client

TOKEN = "worker-metrics-token-for-tests-" + "w" * 16
SLUG = "omega"


def scrape(port: int, headers: dict | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics", headers=headers or {})
    answer = conn.getresponse()
    body = answer.read().decode()
    conn.close()
    return answer.status, body


def provisioned_count(body: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "motcua_tenant_provisioning_seconds_count" and sample.labels.get("outcome") == "provisioned"
    )


@pytest.fixture
def server(runtime):
    served = worker_metrics.MetricsServer(runtime, "127.0.0.1:0")
    yield served
    served.stop()


@pytest.fixture
def omega(runtime):
    yield SLUG
    binding = runtime.db.binding(SLUG)
    with runtime.db.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{binding.schema}" CASCADE'))
        conn.execute(text(f'DROP ROLE IF EXISTS "{binding.role}"'))
        conn.execute(delete(Tenant).where(Tenant.slug == SLUG))


@pytest.mark.committed
def test_the_worker_serves_the_provisioning_it_timed(runtime, seeded, server, omega):
    status, before = scrape(server.port)
    assert status == 200
    with runtime.db.control_session() as session:
        job = services.create_tenant(
            session,
            SEED_ACTOR,
            services.TenantSpec(slug=omega, name="Tỉnh Omega", unit_code="000.00.00.O01"),
            base_domain=runtime.config.base_domain,
        )
        session.commit()
    enqueue(runtime, job)  # as `motcua tenants create` queues it
    runtime.jobs.run_worker(wait=False, context={"runtime": runtime})  # the real job, as `motcua worker` runs it
    with runtime.db.control_session() as session:
        assert session.scalar(text("SELECT status FROM control.tenants WHERE slug = :s"), {"s": omega}) == "active"
    status, after = scrape(server.port)
    assert status == 200
    assert provisioned_count(after) - provisioned_count(before) == 1
    families = {family.name for family in text_string_to_metric_families(after)}
    assert "motcua_tenant_provisioning_seconds" in families
    # only what the process counted: the queue depth and the backlogs are the web's /metrics' to read
    assert "motcua_job_queue_depth" not in families and "motcua_usage_outbox_pending" not in families


def test_the_worker_refuses_a_scraper_without_the_token(runtime, server, monkeypatch):
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(metrics_token=TOKEN))
    status, body = scrape(server.port)  # from this machine, but a token is set: the address no longer suffices
    assert status == 403 and '"code": "forbidden"' in body
    assert scrape(server.port, {"Authorization": "Bearer wrong"})[0] == 403
    status, body = scrape(server.port, {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and "motcua_tenant_provisioning_seconds" in body


def test_without_a_token_only_addresses_off_the_public_internet_are_answered(runtime):
    # the peer's address cannot be chosen over real HTTP from here: the same WSGI app, called with one
    client = Client(worker_metrics.wsgi_app(runtime))
    assert runtime.config.metrics_token is None
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "8.8.8.8"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/other", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    assert client.post("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 405


@pytest.mark.committed
def test_motcua_worker_serves_its_metrics_on_the_configured_address(runtime, tmp_path):
    """The command as a deployment runs it: `motcua worker` with MOTCUA_WORKER_METRICS_BIND."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with runtime.db.engine.connect() as conn:
        last_job = conn.scalar(text("SELECT coalesce(max(id), 0) FROM procrastinate.procrastinate_jobs"))
    env = {key: value for key, value in os.environ.items() if not key.startswith(("MOTCUA_", "PROMETHEUS_"))}
    env.update(
        MOTCUA_DATABASE_URL=runtime.config.database_url,
        MOTCUA_SECRET_KEY=runtime.config.secret_key,
        MOTCUA_BASE_DOMAIN=TEST_BASE_DOMAIN,
        MOTCUA_INSTANCE_PATH=str(tmp_path / "instance"),
        MOTCUA_METRICS_TOKEN=TOKEN,
        MOTCUA_WORKER_METRICS_BIND=f"127.0.0.1:{port}",
    )
    motcua = shutil.which("motcua", path=str(Path(sys.executable).parent)) or "motcua"
    log = tmp_path / "worker.log"
    with open(log, "w") as out:
        worker = subprocess.Popen([motcua, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        answered = None
        deadline = time.monotonic() + 60
        while answered is None and time.monotonic() < deadline and worker.poll() is None:
            try:
                answered = scrape(port, {"Authorization": f"Bearer {TOKEN}"})
            except OSError:
                time.sleep(0.2)
        assert answered is not None, log.read_text()
        status, body = answered
        assert status == 200 and "motcua_tenant_provisioning_seconds" in body
        assert scrape(port)[0] == 403  # the token is set: without it, refused
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        with runtime.db.engine.begin() as conn:  # periodic jobs the worker queued for later
            # (procrastinate's delete trigger names its tables without a schema: the connection's own search
            # path is a schema that does not exist, so a job deleted here failed the test whenever there was one)
            conn.execute(text("SELECT set_config('search_path', 'procrastinate', true)"))
            conn.execute(text("DELETE FROM procrastinate.procrastinate_jobs WHERE id > :id"), {"id": last_job})
