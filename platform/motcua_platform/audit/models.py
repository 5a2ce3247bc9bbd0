from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from motcua_platform.db.base import ControlBase, TenantBase, created_at_column, id_column


class _AuditColumns:
    id: Mapped[int] = id_column()
    occurred_at: Mapped[dt.datetime] = created_at_column()
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), index=True)
    target: Mapped[str | None] = mapped_column(String(200))
    details: Mapped[dict] = mapped_column(JSONB, default=dict)
    remote_addr: Mapped[str | None] = mapped_column(String(64))


class ControlAuditEvent(_AuditColumns, ControlBase):
    """Vendor-side actions; ``tenant_slug`` names the tenant acted on (kept after the tenant is archived)."""

    __tablename__ = "audit_events"

    tenant_slug: Mapped[str | None] = mapped_column(String(30), index=True)


class TenantAuditEvent(_AuditColumns, TenantBase):
    """Actions inside one province, stored in that province's schema."""

    __tablename__ = "audit_events"
