"""Inbound webhooks from the collector, kept once per provider event id (a replay is ignored).

A payment event for an invoice that is not finalized here yet (still a draft, or not yet linked to the
provider's invoice) is kept ``pending`` and applied when the invoice is finalized or pushed, so an event
that overtakes our own work never loses the money it reports."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import ControlBase, created_at_column, id_column
from sqlalchemy import BigInteger, String, UniqueConstraint, false
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class WebhookEvent(ControlBase):
    __tablename__ = "billing_webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_billing_webhook_events_key"),)

    id: Mapped[int] = id_column()
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSONB)
    remote_object_id: Mapped[str | None] = mapped_column(String(100))  # the provider's invoice it is about
    invoice_id: Mapped[int | None] = mapped_column(BigInteger)  # our invoice it names (metadata), if any
    pending: Mapped[bool] = mapped_column(default=False, server_default=false())
    received_at: Mapped[dt.datetime] = created_at_column()
