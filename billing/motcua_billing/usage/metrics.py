"""Usage metering's figures for Prometheus (``motcua_platform.metrics``): the events taken into the ledger
by where they came from and how each ended, and each tenant's outbox of usage not drained yet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from motcua_platform import metrics
from prometheus_client import Counter
from prometheus_client.core import Metric

INGESTED = Counter(
    "motcua_usage_events_ingested",
    "Usage events taken into the ledger, by source (api, outbox) and outcome (accepted, duplicate, rejected)",
    ["source", "outcome"],
)
OUTCOMES = ("accepted", "duplicate", "rejected")


def count(result: Any, source: str) -> None:
    """Count a committed batch (``services.BatchResult``)."""
    for outcome in OUTCOMES:
        if found := result.count(outcome):
            INGESTED.labels(source, outcome).inc(found)


OUTBOX = (
    "SELECT count(*), extract(epoch FROM now() - min(recorded_at)) "
    "FROM {schema}.billing_usage_outbox WHERE drained_at IS NULL"
)


def outbox_backlog(runtime: Any) -> Iterable[Metric]:
    yield from metrics.backlog_families("usage_outbox", "Usage events", metrics.each_tenant(runtime, OUTBOX))
