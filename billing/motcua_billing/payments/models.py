"""Inbound webhooks from the collector, kept once per provider event id (a replay is ignored)."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import ControlBase, created_at_column, id_column
from sqlalchemy import String, UniqueConstraint
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
    received_at: Mapped[dt.datetime] = created_at_column()
