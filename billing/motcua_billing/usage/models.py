"""The usage ledger (control plane) and the per-tenant usage outbox.

``billing_usage_events`` is append-only: one row per fact, unique on (tenant, metric, event id), so a
retried event is a no-op. Events are never updated, not even to claim them.

``billing_usage_claims`` links each finalized invoice line to the exact usage it counts, without writing the
events: a claim is a region of the ledger — one tenant and metric, the line's service window, and the event
ids in ``(after_event_id, through_event_id]`` — with its totals. Finalizing locks the ledger against inserts
(``LOCK … IN SHARE MODE``) before it reads the last id, so no event can later appear inside a claimed
region; claims of one tenant and metric never overlap (a trigger refuses it). An event is claimed by the one
line whose claim covers it, or by none (docs/decisions/0030-usage-claims-as-ledger-regions.md).

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
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, column_property, mapped_column

QUANTITY = Numeric(20, 6)
# A day's total of up to 1e14 per event: room for a million events of the largest quantity.
TOTAL = Numeric(30, 6)


class UsageEvent(ControlBase):
    __tablename__ = "billing_usage_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "metric_code", "event_id", name="uq_billing_usage_events_key"),
        CheckConstraint("quantity >= 0", name="quantity"),
        Index("ix_billing_usage_events_period", "tenant_id", "metric_code", "occurred_at"),
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


class UsageClaim(ControlBase):
    """The usage one finalized invoice line counts: the events of ``tenant_id`` and ``metric_code`` that
    occurred in ``[occurred_from, occurred_before)`` with ``after_event_id < id <= through_event_id``, and
    their totals as counted when the line was finalized. Deleted when the invoice is voided (the usage is
    then billed again); migration e4b7c2a9d130 adds the trigger that keeps the claims of one tenant and
    metric disjoint."""

    __tablename__ = "billing_usage_claims"
    __table_args__ = (
        CheckConstraint("occurred_from < occurred_before", name="window"),
        CheckConstraint("after_event_id >= 0 AND after_event_id <= through_event_id", name="event_ids"),
        CheckConstraint("events >= 0 AND quantity >= 0 AND peak >= 0", name="totals"),
        Index("ix_billing_usage_claims_window", "tenant_id", "metric_code", "occurred_from"),
    )

    id: Mapped[int] = id_column()
    invoice_line_id: Mapped[int] = mapped_column(
        ForeignKey("billing_invoice_lines.id", ondelete="RESTRICT"), unique=True
    )
    tenant_id: Mapped[int] = mapped_column(BigInteger)
    metric_code: Mapped[str] = mapped_column(String(64))
    occurred_from: Mapped[dt.datetime]
    occurred_before: Mapped[dt.datetime]
    after_event_id: Mapped[int] = mapped_column(BigInteger)
    through_event_id: Mapped[int] = mapped_column(BigInteger)
    events: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Decimal] = mapped_column(TOTAL)
    peak: Mapped[Decimal] = mapped_column(QUANTITY)
    created_at: Mapped[dt.datetime] = created_at_column()


def covers(claim, event) -> object:
    """SQL: ``claim`` (UsageClaim or an alias) covers ``event`` (UsageEvent or an alias)."""
    return and_(
        claim.tenant_id == event.tenant_id,
        claim.metric_code == event.metric_code,
        claim.occurred_from <= event.occurred_at,
        claim.occurred_before > event.occurred_at,
        claim.after_event_id < event.id,
        claim.through_event_id >= event.id,
    )


# The finalized line that counts an event, or None: derived from the claims (read-only).
UsageEvent.invoice_line_id = column_property(
    select(UsageClaim.invoice_line_id)
    .where(covers(UsageClaim, UsageEvent))
    .correlate_except(UsageClaim)  # the claims of its own, even in a query that joins claims
    .limit(1)
    .scalar_subquery()
)


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
