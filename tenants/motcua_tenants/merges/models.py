from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, id_column
from sqlalchemy import Date, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class TenantMerge(TenantBase):
    """A merge whose data step committed in this (the target's) schema: written in the same transaction as the
    copied rows, so a re-run after a crash knows the rows are here and only the control step is left."""

    __tablename__ = "tenant_merges"

    id: Mapped[int] = id_column()
    source_slug: Mapped[str] = mapped_column(String(63), unique=True)
    source_tenant_id: Mapped[int]
    merged_on: Mapped[dt.date] = mapped_column(Date)
    counts: Mapped[dict] = mapped_column(JSONB)
    finished_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
