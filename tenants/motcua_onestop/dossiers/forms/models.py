from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column


class FormTemplate(TenantBase):
    """A province's own wording of one form (01–07): the Jinja2 template text used instead of the one
    shipped in ``forms/templates``. No row: the shipped template."""

    __tablename__ = "form_templates"
    __table_args__ = (CheckConstraint("number IN ('01', '02', '03', '04', '05', '06', '07')", name="number"),)

    number: Mapped[str] = mapped_column(String(2), primary_key=True)
    source: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(300))
    updated_at: Mapped[dt.datetime] = created_at_column()


class IssuedForm(TenantBase):
    """A form (01–06) of a dossier as the province issued it, sealed with the agency's seal (``forms.signing``;
    docs/signatures.md, "Signed forms"): the signed PDF is an object in the tenant's storage, this row says
    which, and carries its public verification link (``/verify/<token>``, printed in the form's QR code) and
    the signatures' check made when it was stored. Never updated nor deleted: a later issue of the same form
    is a new row, and the newest is the one the applicant downloads.

    The certificate is named by its SHA-256 fingerprint (the register's key), not a foreign key, as the
    workflow's signatures (ADR 0062)."""

    __tablename__ = "issued_forms"
    __table_args__ = (
        CheckConstraint("number IN ('01', '02', '03', '04', '05', '06')", name="number"),
        CheckConstraint("size_bytes > 0", name="size"),
        CheckConstraint("sha256 ~ '^[0-9a-f]{64}$'", name="sha256"),
        CheckConstraint("fingerprint ~ '^[0-9a-f]{64}$'", name="fingerprint"),
        # the applicant's download: the newest issue of one form of one dossier
        Index("ix_issued_forms_dossier_number", "dossier_id", "number", "id"),
        Index("ix_issued_forms_sha256", "sha256"),  # the public page's "is this file one we issued?"
    )

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"))
    number: Mapped[str] = mapped_column(String(2))
    storage_key: Mapped[str] = mapped_column(String(300), unique=True)  # random, under the tenant's prefix
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    verify_token: Mapped[str] = mapped_column(String(43), unique=True)
    signature_check: Mapped[dict | None] = mapped_column(JSONB(none_as_null=True))
    fingerprint: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(500))  # the certificate's CN, as the stamp shows it
    issued_by: Mapped[str] = mapped_column(String(300))  # the actor, as the audit log names it
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="RESTRICT"))
    issued_at: Mapped[dt.datetime] = created_at_column()
