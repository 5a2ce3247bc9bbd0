"""Observability: the Prometheus text at /metrics (requests by route, status and tenant; latency; the job
queue; the outboxes' backlogs), counted across gunicorn's workers in multiprocess mode; who may scrape it; and
readiness apart from liveness."""

from __future__ import annotations

import http.client
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from motcua_app.testing.gunicorn import gunicorn_server
from motcua_platform import readiness
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-the-tests-" + "m" * 16


def families(body: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(body)}


def samples(body: str, name: str, **labels) -> list:
    return [
        sample
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
    ]


def test_metrics_count_requests_by_route_status_and_tenant_and_read_the_backlogs(host_client, seeded):
    portal = host_client(seeded["alpha"].host)
    before = samples(portal.get("/metrics").get_data(as_text=True), "motcua_http_requests_total",
                     route="/api/v1/portal", tenant="alpha", status="200")  # fmt: skip
    for _ in range(3):
        assert portal.get("/api/v1/portal").status_code == 200
    assert portal.get("/no/such/page/123").status_code == 404
    answer = portal.get("/metrics")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    body = answer.get_data(as_text=True)
    after = samples(body, "motcua_http_requests_total", route="/api/v1/portal", tenant="alpha", status="200")
    assert after[0].value - (before[0].value if before else 0) == 3
    # a path no route matched is one label, never the path itself (no label per URL anyone types)
    assert samples(body, "motcua_http_requests_total", route="unmatched", status="404")
    assert "/no/such/page/123" not in body
    assert samples(body, "motcua_http_request_duration_seconds_count", route="/api/v1/portal")
    found = families(body)
    for name in (
        "motcua_job_queue_depth",
        "motcua_job_queue_oldest_seconds",
        "motcua_db_pool_connections",
    ):
        assert name in found, name
    for backlog in ("notification_outbox", "national_sync_outbox", "usage_outbox"):
        pending = samples(body, f"motcua_{backlog}_pending")
        assert {s.labels["tenant"] for s in pending} >= {"alpha", "beta"}, backlog


def test_metrics_are_served_only_to_the_scraper(host_client, seeded, runtime, monkeypatch):
    anywhere = host_client(seeded["alpha"].host)
    outside = {"REMOTE_ADDR": "8.8.8.8"}
    assert anywhere.get("/metrics", environ_base=outside).status_code == 403
    assert anywhere.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200  # the cluster's
    monkeypatch.setattr(runtime, "config", runtime.config.with_overrides(metrics_token=TOKEN))
    assert anywhere.get("/metrics").status_code == 403  # a token is set: the address no longer suffices
    assert anywhere.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    with_token = anywhere.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, environ_base=outside)
    assert with_token.status_code == 200


def test_readiness_is_apart_from_liveness(host_client, seeded, monkeypatch):
    client = host_client(seeded["alpha"].host)
    assert client.get("/readyz").get_json() == {"status": "ready"}
    monkeypatch.setitem(readiness._checks, "search_index", lambda _runtime: "rebuilding")
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.get_json()["problems"] == {"search_index": "rebuilding"}
    assert client.get("/healthz").status_code == 200  # alive: nothing to restart


def test_without_the_database_nothing_is_ready():
    from types import SimpleNamespace

    from motcua_platform.db.database import Database

    unreachable = Database("postgresql+psycopg://postgres@127.0.0.1:9/none", pool_size=1)
    try:
        found = readiness.problems(SimpleNamespace(db=unreachable))
    finally:
        unreachable.dispose()
    assert list(found) == ["database"] and "OperationalError" in found["database"]


def test_readiness_waits_for_a_control_schema_behind_the_code_but_not_for_one_ahead(runtime, seeded, monkeypatch):
    from alembic.script import ScriptDirectory
    from motcua_tenants import wiring
    from motcua_tenants.migrations import runner
    from motcua_tenants.migrations.config import alembic_config

    assert wiring.migrations_not_behind(runtime) is None
    recorded = runner.control_revision(runtime.db)
    assert not runner.behind("control", recorded)
    # a database one revision short of the code: behind (a new process before the migrations job)
    head = ScriptDirectory.from_config(alembic_config("control")).get_revision(next(iter(recorded)))
    assert runner.behind("control", {head.down_revision})
    # a revision this code does not know: newer code migrated the database; the old processes keep serving
    assert not runner.behind("control", {"ffffffffffff"})
    monkeypatch.setattr(runner, "control_heads", lambda: frozenset({*recorded, "eeeeeeeeeeee"}))
    problem = wiring.migrations_not_behind(runtime)
    assert problem and "control schema is behind" in problem and "motcua db upgrade" in problem


def test_a_tenant_schema_behind_does_not_take_the_process_out_of_rotation(runtime, seeded, monkeypatch, caplog):
    from motcua_tenants import wiring
    from motcua_tenants.migrations import runner

    heads = runner.tenant_heads()
    monkeypatch.setattr(runner, "tenant_heads", lambda: frozenset({*heads, "eeeeeeeeeeee"}))
    assert runner.behind("tenant", runner.tenant_revisions(runtime.db)[0].revisions)
    with caplog.at_level("WARNING"):
        assert wiring.migrations_not_behind(runtime) is None  # every other province is still served
    assert "behind the code" in caplog.text and "alpha" in caplog.text


@pytest.mark.committed
def test_gunicorn_workers_are_counted_together(database_url, seeded, tmp_path):
    folder = tmp_path / "metrics"
    folder.mkdir()
    settings = {"MOTCUA_WEB_WORKERS": "2", "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    with gunicorn_server(database_url, tmp_path, **settings) as port:

        def scrape() -> str:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/metrics")
            return conn.getresponse().read().decode()

        def answered(body: str) -> float:
            return sum(s.value for s in samples(body, "motcua_http_requests_total", route="/healthz", status="200"))

        def ask(_n: int) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/healthz")
            status = conn.getresponse().status
            conn.close()
            return status

        before = answered(scrape())
        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(ask, range(200))) == {200}
        after = answered(scrape())
    assert after - before == 200  # whichever worker answered each, and whichever answers the scrape
    pids = {re.search(r"_(\d+)\.db$", p.name).group(1) for p in folder.glob("counter_*.db")}
    assert len(pids) == 2, pids  # both workers counted, into the one folder


def test_the_sample_dashboard_and_alert_rules_name_only_metrics_the_platform_serves(host_client, seeded):
    """infra/observability: every metric the Grafana dashboard and the alert rules query is one /metrics
    serves (a renamed metric would leave a panel empty and an alert silent)."""
    import json
    from pathlib import Path

    import motcua_billing.usage.metrics  # noqa: F401 - what each area counts, as a server imports it
    import motcua_tenants.durations  # noqa: F401
    import yaml
    from prometheus_client import REGISTRY

    folder = Path(__file__).resolve().parents[2] / "infra" / "observability"
    rules = yaml.safe_load((folder / "alerts.yml").read_text())
    expressions = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    dashboard = json.loads((folder / "grafana-dashboard.json").read_text())
    expressions += [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    used = {name for expr in expressions for name in re.findall(r"\bmotcua_[a-z_]+", expr)}
    served = set(REGISTRY._names_to_collectors)  # counted metrics, with their _total, _bucket… names
    served |= set(families(host_client(seeded["alpha"].host).get("/metrics").get_data(as_text=True)))
    served |= {f"{name}_{suffix}" for name in served for suffix in ("bucket", "count", "sum", "total")}
    assert used and used <= served, used - served
    assert all(rule.get("annotations", {}).get("summary") for group in rules["groups"] for rule in group["rules"])
