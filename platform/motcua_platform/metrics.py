"""Prometheus metrics of the platform (ADR 0049), at ``GET /metrics``.

Counted as things happen, in whichever process they happen: requests by route, method, status and tenant;
request latency by route; each process's database pool. Under gunicorn every worker counts in its own
process: ``motcua run`` points ``PROMETHEUS_MULTIPROC_DIR`` at a folder of the instance, each process writes
its figures there, and the worker that answers a scrape adds up every process's (prometheus-client's
multiprocess mode; ``gunicorn_settings`` marks a dead worker's files). Read when scraped, from the
database, by sources the areas add (``add_source``): the job queue's depth and age by task (the kernel's),
the outboxes' backlogs (the areas'). A scrape is answered only to a caller with the metrics token, or, with
none configured, from an address that is not on the public internet (the cluster's, the machine's own)
(``scrape_allowed``). The job worker counts in its own process and answers its own scrapes on a port of its own
(``worker_metrics``, ADR 0057): only what it counted, never the sources, which the web's /metrics already reads.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from sqlalchemy import text

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
UNMATCHED = "unmatched"  # the route label of a request no route matched (a 404): never the raw path

REQUESTS = Counter(
    "motcua_http_requests",
    "HTTP requests answered, by route, method, status and tenant",
    ["method", "route", "status", "tenant"],
)
LATENCY = Histogram(
    "motcua_http_request_duration_seconds",
    "Time from the request's start to its answer, by route and method",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
POOL = Gauge(
    "motcua_db_pool_connections",
    "Database connections of the web processes' pools, in use or idle (summed over the live processes)",
    ["state"],
    multiprocess_mode="livesum",
)

# A source reads figures when Prometheus scrapes: ``source(runtime)`` yields metric families.
Source = Callable[[Any], Iterable[Metric]]
_sources: list[Source] = []


def add_source(source: Source) -> None:
    """Read ``source`` at every scrape (once per process, from an area's connector)."""
    if source not in _sources:
        _sources.append(source)


def observe_request(method: str, route: str, status: int, tenant: str, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status), tenant).inc()
    LATENCY.labels(method, route).observe(seconds)


def observe_pool(pool: Any) -> None:
    """The process's pool as it stands (a QueuePool's ``checkedout``/``checkedin``; others are skipped)."""
    try:
        in_use, idle = pool.checkedout(), pool.checkedin()
    except AttributeError:
        return
    POOL.labels("in_use").set(in_use)
    POOL.labels("idle").set(idle)


class _Sources:
    """The scrape-time sources as one collector, for a registry of its own (never the default one: that
    would run them at import, and in every process)."""

    def __init__(self, runtime: Any):
        self.runtime = runtime

    def collect(self) -> Iterable[Metric]:
        for source in _sources:
            yield from source(self.runtime)


def counted_registry() -> CollectorRegistry:
    """What the processes counted: every process's of the folder in multiprocess mode, else this process's."""
    if os.environ.get(MULTIPROCESS_ENV):
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
        return counted
    return REGISTRY


def exposition(runtime: Any) -> tuple[bytes, str]:
    """The text Prometheus reads, and its content type: every process's counted figures (or this process's
    alone outside multiprocess mode) and what the sources read now."""
    read = CollectorRegistry(auto_describe=False)
    read.register(_Sources(runtime))
    return generate_latest(counted_registry()) + generate_latest(read), CONTENT_TYPE_LATEST


def scrape_allowed(token: str | None, authorization: str | None, remote_addr: str | None) -> bool:
    """The scraper presents the metrics token (``Authorization: Bearer …``); with none configured, it must
    call from inside our networks (the cluster's or the machine's own addresses: the figures name every
    tenant). ``remote_addr`` is the peer as the server saw it, after any trusted proxy's rewrite."""
    if token:
        return hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode())
    try:
        return not ipaddress.ip_address(remote_addr or "").is_global
    except ValueError:
        return False


# -- the kernel's own source: the job queue ---------------------------------------------------------------
# Jobs waiting to run, by task, and how long the oldest has waited since it was due (its deferral, or its
# scheduled time when that is later).
QUEUE = text("""
    SELECT j.task_name, count(*),
           coalesce(extract(epoch FROM now() - min(greatest(e.at, coalesce(j.scheduled_at, e.at)))), 0)
    FROM procrastinate.procrastinate_jobs j
    LEFT JOIN procrastinate.procrastinate_events e ON e.job_id = j.id AND e.type = 'deferred'
    WHERE j.status = 'todo' AND (j.scheduled_at IS NULL OR j.scheduled_at <= now())
    GROUP BY j.task_name
""")


def job_queue(runtime: Any) -> Iterable[Metric]:
    depth = GaugeMetricFamily("motcua_job_queue_depth", "Jobs due and waiting for a worker, by task", labels=["task"])
    age = GaugeMetricFamily(
        "motcua_job_queue_oldest_seconds", "How long the oldest due job has waited, by task", labels=["task"]
    )
    with runtime.db.engine.connect() as conn:
        for task, count, seconds in conn.execute(QUEUE):
            depth.add_metric([task], count)
            age.add_metric([task], float(seconds))
    yield depth
    yield age


add_source(job_queue)


# -- reading every tenant's tables in one statement (for the areas' sources) --------------------------------
ACTIVE_TENANTS = text("SELECT slug, server FROM control.tenants WHERE status = 'active' ORDER BY slug")


def each_tenant(runtime: Any, select_one_row: str) -> list[tuple]:
    """``select_one_row`` (a SELECT giving one row, ``{schema}`` where the tenant's schema goes) in every
    active tenant, as one statement per database server; each row led by the tenant's slug. Schemas come
    from validated slugs."""
    db = runtime.db
    with db.engine.connect() as conn:
        placed = [(slug, server) for slug, server in conn.execute(ACTIVE_TENANTS)]
    rows: list[tuple] = []
    for server in sorted({server for _, server in placed}):
        parts = []
        for slug in (slug for slug, placed_on in placed if placed_on == server):
            inner = select_one_row.format(schema=f'"{db.binding(slug, server=server).schema}"')
            parts.append(f"SELECT '{slug}' AS tenant, q.* FROM ({inner}) q")  # noqa: S608 - validated slugs
        with db.engine_for(server).connect() as conn:
            rows.extend(tuple(row) for row in conn.execute(text(" UNION ALL ".join(parts))))
    return rows


def backlog_families(name: str, what: str, rows: list[tuple]) -> Iterable[Metric]:
    """``motcua_<name>_pending`` and ``motcua_<name>_oldest_pending_seconds`` by tenant, from rows of
    (tenant, pending, oldest age in seconds)."""
    pending = GaugeMetricFamily(f"motcua_{name}_pending", f"{what} not sent yet, by tenant", labels=["tenant"])
    oldest = GaugeMetricFamily(
        f"motcua_{name}_oldest_pending_seconds",
        f"Age of the oldest of the {what.lower()} not sent yet",
        labels=["tenant"],
    )
    for tenant, count, seconds in rows:
        pending.add_metric([tenant], count)
        oldest.add_metric([tenant], float(seconds or 0))
    yield pending
    yield oldest
