"""The tenant directory's tables in the control schema: tenants, their custom domains and the plugins
each may use and has enabled. The kernel resolves hosts with them and every area reads them; the control plane
(``motcua_tenants``) is the one that provisions, suspends and archives."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua_platform.db.base import ControlBase, created_at_column, id_column


class TenantStatus(enum.StrEnum):
    PROVISIONING = "provisioning"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    ARCHIVED = "archived"
    DELETED = "deleted"  # its data handed over and removed (motcua_tenants.export); the row stays
    # Merged into another province (the 2025 reform): never served, its hosts redirect to the other's
    # (ADR 0060); its schema stays until it is exported and deleted.
    MERGED = "merged"


class Tenant(ControlBase):
    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint(
            "status IN ('provisioning', 'active', 'suspended', 'archived', 'deleted', 'merged')", name="status"
        ),
        CheckConstraint(
            "(status <> 'merged' OR (merged_into_id IS NOT NULL AND merged_on IS NOT NULL))"
            " AND (merged_into_id IS NULL) = (merged_on IS NULL)"
            " AND (merged_into_id IS NULL OR merged_into_id <> id)",
            name="merged_facts",
        ),
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
    # The portal's hotline, address, e-mail and footer text (BRANDING_FIELDS); absent keys are not shown.
    branding: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), default=dict)
    archive_path: Mapped[str | None] = mapped_column(Text)
    # The database server that holds the tenant's schema (MOTCUA_DATABASE_SERVERS; ADR 0055).
    server: Mapped[str] = mapped_column(String(30), server_default="main", default="main")
    # Bumped on every change to the tenant's procedure catalogue; part of the search-cache key.
    catalogue_version: Mapped[int] = mapped_column(server_default="0")
    # Bumped on every change to the tenant's unit tree; part of the key of the cached public unit lists.
    units_version: Mapped[int] = mapped_column(server_default="0")
    # The province this one was merged into and the first day it belongs there (status merged; ADR 0060).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"))
    merged_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created_at_column()
    status_changed_at: Mapped[dt.datetime] = created_at_column()

    domains: Mapped[list[TenantDomain]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="TenantDomain.domain"
    )
    merged_into: Mapped[Tenant | None] = relationship(remote_side="Tenant.id", foreign_keys=[merged_into_id])


class TenantDomain(ControlBase):
    """A custom domain; ``<slug>.<base domain>`` needs no row."""

    __tablename__ = "tenant_domains"

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    created_at: Mapped[dt.datetime] = created_at_column()

    tenant: Mapped[Tenant] = relationship(back_populates="domains")


class TenantPlugin(ControlBase):
    __tablename__ = "tenant_plugins"
    __table_args__ = (
        UniqueConstraint("tenant_id", "plugin", name="uq_tenant_plugins_tenant_plugin"),
        # the province enables only what its contract allows (docs/decisions/0029-plugins-allowed-vs-enabled.md)
        CheckConstraint("allowed OR NOT enabled", name="enabled_needs_allowed"),
    )

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    plugin: Mapped[str] = mapped_column(String(60))
    allowed: Mapped[bool] = mapped_column(default=False, server_default=false())  # by the vendor (the contract)
    enabled: Mapped[bool] = mapped_column(default=True)  # by the province, or the vendor for it
    settings: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = created_at_column()
