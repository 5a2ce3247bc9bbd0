from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class PortalDraft(TenantBase):
    """An online application in progress: the receiving unit chosen, the form as typed (JSON, invalid
    values kept so the citizen sees what they wrote) and the files uploaded so far (``documents``: the
    required document's index, as a string, to its stored object under a ``drafts/`` key, name, size,
    type and SHA-256). One per citizen account and procedure; submitting or deleting it removes it and
    its files."""

    __tablename__ = "portal_drafts"
    __table_args__ = (UniqueConstraint("citizen_account_id", "procedure_code"),)

    id: Mapped[int] = id_column()
    citizen_account_id: Mapped[int] = mapped_column(ForeignKey("citizen_accounts.id", ondelete="CASCADE"))
    procedure_code: Mapped[str] = mapped_column(String(50))
    receiving_unit_id: Mapped[int | None] = mapped_column()
    form: Mapped[dict] = mapped_column(JSONB, default=dict)
    documents: Mapped[dict] = mapped_column(JSONB, default=dict)
    created_at: Mapped[dt.datetime] = created_at_column()
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ParkedPost(TenantBase):
    """The fields of a wizard step posted after the citizen's session had expired, kept under the SHA-256
    of a random key remembered in the browser's session cookie, and replayed on that step after the
    citizen logs in again (then deleted; a day at most)."""

    __tablename__ = "portal_parked_posts"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(300))
    fields: Mapped[list] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = created_at_column()
