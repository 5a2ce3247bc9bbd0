"""The usage ledger (control plane) and the per-tenant usage outbox.

``billing_usage_events`` is append-only: one row per fact, unique on (tenant, metric, event id), so a
retried event is a no-op. ``invoice_line_id`` is set when a finalized invoice line claims the event: that is
the link from each line to the exact usage it counts.

``billing_usage_daily`` is the ledger added up per tenant, metric and Vietnamese calendar day (events,
total quantity, largest quantity). The database keeps it: a statement trigger on the ledger adds each
statement's newly inserted rows (a re-delivered event id inserts nothing, so adds nothing) in the same
statement, and another refuses to update or delete what the roll-up counted. Readers of long periods (the
vendor console's contract-year usage) read it instead of every event
(docs/decisions/0028-usage-daily-roll-up.md).

``billing_usage_outbox`` lives in every tenant schema. Code running in a tenant-bound transaction (as the
tenant's role, with no access to ``control``) writes its usage there, in its own transaction; a job drains
the outbox into the ledger (docs/decisions/0009-usage-outbox-in-tenant-schemas.md).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from motcua_platform.db.base import ControlBase, TenantBase, created_at_column, id_column
from sqlalchemy import BigInteger, CheckConstraint, Date, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

QUANTITY = Numeric(20, 6)
# A day's total of up to 1e14 per event: room for a million events of the largest quantity.
TOTAL = Numeric(30, 6)


class UsageEvent(ControlBase):
    __tablename__ = "billing_usage_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "metric_code", "event_id", name="uq_billing_usage_events_key"),
        CheckConstraint("quantity >= 0", name="quantity"),
        Index("ix_billing_usage_events_period", "tenant_id", "metric_code", "occurred_at"),
        Index("ix_billing_usage_events_line", "invoice_line_id", postgresql_where=text("invoice_line_id IS NOT NULL")),
        # Late usage (not yet claimed by a finalized line) is found without scanning billed history.
        Index(
            "ix_billing_usage_events_unclaimed",
            "tenant_id",
            "occurred_at",
            postgresql_where=text("invoice_line_id IS NULL"),
        ),
    )

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(BigInteger)
    metric_code: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    occurred_at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = created_at_column()
    source: Mapped[str] = mapped_column(String(20))  # internal | api | outbox
    properties: Mapped[dict | None] = mapped_column(JSONB)
    # The finalized invoice line that counts this event (no foreign key: the ledger is append-only and
    # bulk-loaded; lines of finalized invoices are never deleted, and voiding releases the claim).
    invoice_line_id: Mapped[int | None] = mapped_column(BigInteger)


class UsageDaily(ControlBase):
    """Written only by the ledger's trigger; read-only to the code (migration d91f3a6b2c47)."""

    __tablename__ = "billing_usage_daily"
    __table_args__ = (CheckConstraint("events > 0 AND quantity >= 0 AND peak >= 0", name="totals"),)

    tenant_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    metric_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)  # in Vietnam's time zone
    events: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Decimal] = mapped_column(TOTAL)
    peak: Mapped[Decimal] = mapped_column(QUANTITY)


class UsageOutbox(TenantBase):
    __tablename__ = "billing_usage_outbox"
    __table_args__ = (
        UniqueConstraint("metric_code", "event_id", name="uq_billing_usage_outbox_key"),
        CheckConstraint("quantity >= 0", name="quantity"),
        Index("ix_billing_usage_outbox_pending", "id", postgresql_where=text("drained_at IS NULL")),
    )

    id: Mapped[int] = id_column()
    metric_code: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    occurred_at: Mapped[dt.datetime]
    recorded_at: Mapped[dt.datetime] = created_at_column()
    drained_at: Mapped[dt.datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))  # accepted | duplicate | rejected
    error: Mapped[str | None] = mapped_column(Text)
