from __future__ import annotations

import datetime as dt
import enum

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import CheckConstraint, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column


class ProcedureStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


OVERRIDABLE = ("fees", "time_limit_value", "time_limit_unit", "same_day_cutoff_hour", "online_mode")


class Procedure(TenantBase):
    """One version of a procedure in the province's catalogue.

    A procedure is identified by its national ``code``; each edit makes a new ``version``, and at most one
    version per code is published. A dossier points at the version row it was submitted under, so later
    edits never change it. Rows from a plugin keep ``plugin``/``plugin_key`` and the plugin definition they
    were taken from (``reference``); ``overridden`` lists the fields the province changed locally.
    """

    __tablename__ = "procedures"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_procedures_code_version"),
        Index("uq_procedures_published_code", "code", unique=True, postgresql_where=text("status = 'published'")),
        Index("uq_procedures_draft_code", "code", unique=True, postgresql_where=text("status = 'draft'")),
        Index("ix_procedures_status_field", "status", "field"),
        # fastupdate off: a GIN index otherwise queues new entries in a pending list that every search scans
        # until a vacuum merges it (ADR 0035); catalogue writes are rare, searches are not.
        Index(
            "ix_procedures_search_prefixes",
            "search_prefixes",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ),
        CheckConstraint("status IN ('draft', 'published', 'retired')", name="status"),
        CheckConstraint("time_limit_unit IN ('hours', 'days', 'working_days', 'months')", name="time_limit_unit"),
        CheckConstraint("online_mode IN ('full', 'partial', 'none')", name="online_mode"),
        CheckConstraint("legacy_level IS NULL OR legacy_level BETWEEN 1 AND 4", name="legacy_level"),
        CheckConstraint("(plugin IS NULL) = (plugin_key IS NULL)", name="plugin_link"),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default=ProcedureStatus.DRAFT)
    plugin: Mapped[str | None] = mapped_column(String(60))
    plugin_key: Mapped[str | None] = mapped_column(String(60))
    name_vi: Mapped[str] = mapped_column(String(400))
    name_en: Mapped[str | None] = mapped_column(String(400))
    field: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(20))
    competent_unit_kind: Mapped[str] = mapped_column(String(20))
    time_limit_value: Mapped[int] = mapped_column(Integer)
    time_limit_unit: Mapped[str] = mapped_column(String(20))
    same_day_cutoff_hour: Mapped[int | None] = mapped_column(Integer)
    fees: Mapped[list] = mapped_column(JSONB, default=list)
    documents: Mapped[list] = mapped_column(JSONB, default=list)
    online_mode: Mapped[str] = mapped_column(String(10))
    legacy_level: Mapped[int | None] = mapped_column(Integer)
    result_document: Mapped[str | None] = mapped_column(String(400))
    legal_basis: Mapped[list] = mapped_column(JSONB, default=list)
    applicants: Mapped[str | None] = mapped_column(String(400))
    workflow: Mapped[list] = mapped_column(JSONB, default=list)
    reference: Mapped[dict | None] = mapped_column(JSONB)
    overridden: Mapped[list] = mapped_column(JSONB, default=list)
    search_name: Mapped[str] = mapped_column(Text)
    # Folded name, English name, code, field and result, after a space: a word starts after a space.
    search_text: Mapped[str] = mapped_column(Text)
    # Every prefix of every word of search_text: a search word matches where the array holds it, which the
    # GIN index answers with exact keys (catalogue/search.py).
    search_prefixes: Mapped[list[str]] = mapped_column(ARRAY(Text))
    created_at: Mapped[dt.datetime] = created_at_column()
    published_at: Mapped[dt.datetime | None]
    retired_at: Mapped[dt.datetime | None]
