"""Threshold alerts already sent: the unique key makes each alert go out once."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import ControlBase, created_at_column, id_column
from sqlalchemy import BigInteger, CheckConstraint, Integer, String, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class Alert(ControlBase):
    __tablename__ = "billing_alerts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "subject", "period_key", "threshold", name="uq_billing_alerts_key"),
        CheckConstraint("kind IN ('quota', 'budget')", name="kind"),
        CheckConstraint("threshold IN (50, 80, 100)", name="threshold"),
    )

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject: Mapped[str] = mapped_column(String(64))  # metric code, or "overage_budget"
    period_key: Mapped[str] = mapped_column(String(30))  # billing period (2026-10) or contract year (2026-01/2027-01)
    threshold: Mapped[int] = mapped_column(Integer)
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    recipients: Mapped[list] = mapped_column(JSONB, default=list)
    sent_at: Mapped[dt.datetime] = created_at_column()
