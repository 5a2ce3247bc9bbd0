from __future__ import annotations

import datetime as dt
import enum

from motcua_platform.db.base import ControlBase, created_at_column, id_column
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship


class TenantStatus(enum.StrEnum):
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Tenant(ControlBase):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("status IN ('provisioning', 'active', 'suspended', 'archived')", name="status"),
        CheckConstraint("slug ~ '^[a-z][a-z0-9]{1,29}$'", name="slug_format"),
        Index("uq_tenants_slug_lower", text("lower(slug)"), unique=True),
    )

    id: Mapped[int] = id_column()
    slug: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default=TenantStatus.PROVISIONING)
    unit_code: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10), default="vi")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    display_name: Mapped[str] = mapped_column(String(200))
    logo_url: Mapped[str | None] = mapped_column(String(500))
    primary_color: Mapped[str] = mapped_column(String(7), default="#b71c1c")
    secondary_color: Mapped[str] = mapped_column(String(7), default="#ffc107")
    archive_path: Mapped[str | None] = mapped_column(Text)
    # Bumped on every change to the tenant's procedure catalogue; part of the search-cache key.
    catalogue_version: Mapped[int] = mapped_column(server_default="0")
    # Bumped on every change to the tenant's unit tree; part of the key of the cached public unit lists.
    units_version: Mapped[int] = mapped_column(server_default="0")
    created_at: Mapped[dt.datetime] = created_at_column()
    status_changed_at: Mapped[dt.datetime] = created_at_column()

    domains: Mapped[list[TenantDomain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="TenantDomain.domain"
    )


class TenantDomain(ControlBase):
    """A custom domain; ``<slug>.<base domain>`` needs no row."""

    __tablename__ = "tenant_domains"

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    created_at: Mapped[dt.datetime] = created_at_column()

    tenant: Mapped[Tenant] = relationship(back_populates="domains")


class TenantJob(ControlBase):
    """Progress of a long tenant operation (provision, archive) as its queue job reports it."""

    __tablename__ = "tenant_jobs"
    __table_args__ = (
        CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed')", name="status"),
        CheckConstraint("kind IN ('provision', 'archive')", name="kind"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
    )

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    step: Mapped[str] = mapped_column(String(200), default="queued")
    error: Mapped[str | None] = mapped_column(Text)
    queue_job_id: Mapped[int | None]
    params: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[dt.datetime] = created_at_column()
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
