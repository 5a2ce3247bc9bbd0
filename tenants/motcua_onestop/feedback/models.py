"""One piece of feedback (phản ánh) or recommendation (kiến nghị) and what the province did with it. The
submitter's name and contact are never published: what the portal shows is ``public_title``,
``public_content`` and ``public_answer``, which the officer writes when publishing. The submitter follows it
through a private link whose token is kept as its SHA-256 (as the rating link, ADR 0043)."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

KINDS = ("reflection", "recommendation")  # phản ánh, kiến nghị
CATEGORIES = ("procedure_rules", "conduct", "delay", "other")  # QĐ 766 item 5.1 counts by these
STATUSES = ("received", "info_requested", "rejected", "answered", "published")
TEXT_MAX = 5000


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class FeedbackItem(TenantBase):
    __tablename__ = "feedback_items"
    __table_args__ = (
        Index("ix_feedback_items_dossier_code", "dossier_code"),
        CheckConstraint(_one_of("kind", KINDS), name="kind"),
        CheckConstraint(_one_of("category", CATEGORIES), name="category"),
        CheckConstraint(_one_of("status", STATUSES), name="status"),
        CheckConstraint("rating BETWEEN 1 AND 4", name="rating"),
        CheckConstraint(f"char_length(content) BETWEEN 1 AND {TEXT_MAX}", name="content_length"),
        Index("ix_feedback_items_status_received", "status", "received_at"),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(20), unique=True)
    access_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    dossier_code: Mapped[str | None] = mapped_column(String(60))
    submitter_name: Mapped[str] = mapped_column(String(200))
    submitter_contact: Mapped[str] = mapped_column(String(200))
    citizen_account_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("citizen_accounts.id", ondelete="SET NULL")
    )
    # a new submission about the same matter as an earlier one (5.3 counts the earlier as not satisfied)
    repeat_of_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("feedback_items.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="received")
    received_at: Mapped[dt.datetime] = created_at_column()
    # the legal times on the province's working calendar (services.DEADLINES)
    reject_due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    info_due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    answer_due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    publish_due_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    rejected_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    info_requested_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    info_request: Mapped[str | None] = mapped_column(Text)
    info_given_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    info_given: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    public_title: Mapped[str | None] = mapped_column(String(200))
    public_content: Mapped[str | None] = mapped_column(Text)
    public_answer: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
