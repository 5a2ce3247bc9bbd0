"""What billing contributes to the kernel's hooks: it meters the usage the product reports and ends a merged
province's contracts. The composition root calls ``connect`` once per process."""

from __future__ import annotations

from motcua_platform import metrics, signals

from motcua_billing.catalog.merges import end_contracts_at_merge
from motcua_billing.usage import metrics as usage_metrics
from motcua_billing.usage.services import on_usage_reported


def connect() -> None:
    signals.usage_reported.connect(on_usage_reported)
    signals.tenant_merging.connect(end_contracts_at_merge)
    metrics.add_source(usage_metrics.outbox_backlog)
