"""Formal extensions (form 04, apology and new due date) and the record of late notices sent.

Both sit beside ``dossiers.due_at``, which never changes: an extension row keeps the effective due date
before and after it, so the history of every move of the deadline is visible; a late-notice row is the
fact "this dossier was announced late for this effective due date" (its primary key makes a rerun of
the job, or two workers, a no-op)."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class DossierExtension(TenantBase):
    """One extension of a dossier's deadline, requested by an officer with a reason and an apology."""

    __tablename__ = "dossier_extensions"
    __table_args__ = (CheckConstraint("new_due_at > previous_due_at", name="later"),)

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), index=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="RESTRICT"))
    actor: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    apology: Mapped[str] = mapped_column(Text)
    previous_due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    new_due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    step_index: Mapped[int | None] = mapped_column(SmallInteger)  # the open step when it was extended
    at: Mapped[dt.datetime] = created_at_column()


class DossierLateNotice(TenantBase):
    """A dossier was found past its effective due date ``due_at`` and its applicant was told (once)."""

    __tablename__ = "dossier_late_notices"

    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"), primary_key=True)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    at: Mapped[dt.datetime] = created_at_column()
