"""The one-stop domain's outboxes for Prometheus (``motcua_platform.metrics``): each tenant's messages to
applicants not sent yet, and its national portal records not delivered yet (held ones included)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from motcua_platform import metrics
from prometheus_client.core import Metric

NOTIFICATIONS = (
    "SELECT count(*), extract(epoch FROM now() - min(created_at)) "
    "FROM {schema}.notification_outbox WHERE status = 'pending'"
)
NATIONAL_SYNC = (
    "SELECT count(*), extract(epoch FROM now() - min(created_at)) "
    "FROM {schema}.national_sync_outbox WHERE status <> 'delivered'"
)


def notification_backlog(runtime: Any) -> Iterable[Metric]:
    rows = metrics.each_tenant(runtime, NOTIFICATIONS)
    yield from metrics.backlog_families("notification_outbox", "Messages to applicants", rows)


def national_sync_backlog(runtime: Any) -> Iterable[Metric]:
    rows = metrics.each_tenant(runtime, NATIONAL_SYNC)
    yield from metrics.backlog_families("national_sync_outbox", "National portal records", rows)
