"""Usage as the product reports it. The product says what happened; the metering area (billing) hears it
through ``signals.usage_reported`` and records it in the same transaction. With no metering area installed,
a report is a no-op."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from motcua_platform.signals import usage_reported


@dataclass(frozen=True)
class UsageReport:
    tenant_slug: str
    metric_code: str
    event_id: str  # derived from the fact it counts (``dossier:<id>:received``): a retry is a duplicate
    quantity: Decimal | int | str = 1
    occurred_at: dt.datetime | None = None


def report_usage(
    session: Session,
    tenant_slug: str,
    metric_code: str,
    event_id: str,
    quantity: Decimal | int | str = 1,
    occurred_at: dt.datetime | None = None,
) -> None:
    """Report one usage event in the caller's transaction (``session``)."""
    usage_reported.send(session, event=UsageReport(tenant_slug, metric_code, event_id, quantity, occurred_at))
