"""The tenant's register of signing certificates: which certificate backs the agency's seal, and each
officer's certificates for personal signatures. Only certificates (public) are stored here, never keys: a
seal's key stays in its PKCS#12 file or token (``settings``), an officer's on their own token.

A certificate is never deleted (signatures made with it are checked against it for years): it is retired.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, LargeBinary, String, text
from sqlalchemy.orm import Mapped, mapped_column

from motcua_platform.db.base import TenantBase, created_at_column, id_column


class SigningCertificate(TenantBase):
    __tablename__ = "signing_certificates"
    __table_args__ = (
        CheckConstraint("purpose IN ('seal', 'officer')", name="purpose"),
        # an officer's certificate belongs to a staff account; the seal's to the agency
        CheckConstraint("(purpose = 'officer') = (staff_id IS NOT NULL)", name="owner"),
        # one seal in use at a time: registering a new one retires the old in the same transaction
        Index(
            "uq_signing_certificates_active_seal",
            "purpose",
            unique=True,
            postgresql_where=text("purpose = 'seal' AND retired_at IS NULL"),
        ),
    )

    id: Mapped[int] = id_column()
    purpose: Mapped[str] = mapped_column(String(10))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_accounts.id", ondelete="RESTRICT"), index=True)
    # SHA-256 of the DER certificate, hex: what a verification report names the signer's certificate by
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    subject: Mapped[str] = mapped_column(String(500))
    organization: Mapped[str | None] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    serial: Mapped[str] = mapped_column(String(64))  # hex; a serial may be 20 bytes, beyond BIGINT
    valid_from: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    certificate: Mapped[bytes] = mapped_column(LargeBinary)  # DER
    registered_at: Mapped[dt.datetime] = created_at_column()
    registered_by: Mapped[str] = mapped_column(String(200))
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
