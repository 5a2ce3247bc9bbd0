from __future__ import annotations

import datetime as dt
import enum

from motcua_platform.auth.models import _Token
from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

NO_PASSWORD = "!"  # noqa: S105 - not a hash: no password verifies against it (an account made by national sign-in)


class AccountKind(enum.StrEnum):
    CITIZEN = "citizen"  # a person: the CCCD number is required
    BUSINESS = "business"  # an enterprise or household business: the tax code is required


class CitizenAccount(TenantBase):
    """A citizen's or business's account on one province's portal. The same person registers on each
    province separately (accounts live in the tenant schema). Login is the e-mail (case-insensitive)
    or the mobile number (stored as ``0xxxxxxxxx``); each is unique within the province."""

    __tablename__ = "citizen_accounts"
    __table_args__ = (
        CheckConstraint("kind IN ('citizen', 'business')", name="kind"),
        # an account made by a sign-in with national identity may have neither: it signs in with that
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL OR identity_verified_at IS NOT NULL", name="login"),
        CheckConstraint("kind <> 'citizen' OR national_id IS NOT NULL", name="citizen_national_id"),
        CheckConstraint("kind <> 'business' OR tax_code IS NOT NULL", name="business_tax_code"),
        Index("uq_citizen_accounts_email_lower", text("lower(email)"), unique=True),
        Index("uq_citizen_accounts_phone", "phone", unique=True),
    )

    id: Mapped[int] = id_column()
    kind: Mapped[str] = mapped_column(String(10), default=AccountKind.CITIZEN)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(10))
    full_name: Mapped[str] = mapped_column(String(200))
    national_id: Mapped[str | None] = mapped_column(String(12))  # the person's, or a business's representative
    tax_code: Mapped[str | None] = mapped_column(String(14))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    # when a sign-in with national identity first linked the account (national_sign_in); its national_id
    # is then the one the identity provider gave, not one typed at registration
    identity_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def has_password(self) -> bool:
        return self.password_hash != NO_PASSWORD

    @property
    def login(self) -> str:
        """The identifier shown in audit records and history (never a password)."""
        return self.email or self.phone or self.national_id or ""

    @property
    def document_number(self) -> str | None:
        """The applicant's identification on a dossier (DVCQG SoGiayTo): the tax code for a business,
        the CCCD number for a person."""
        return self.tax_code if self.kind == AccountKind.BUSINESS else self.national_id

    @property
    def contact(self) -> str:
        """The free-text contact a dossier's notifications read (e-mail and/or phone)."""
        return " ".join(value for value in (self.email, self.phone) if value)


class CitizenToken(_Token, TenantBase):
    __tablename__ = "citizen_tokens"

    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen_accounts.id", ondelete="CASCADE"), index=True)
    citizen: Mapped[CitizenAccount] = relationship()
    # made by a sign-in with national identity (national_sign_in): what the citizen submits with it is
    # identity-verified (QĐ 766 indicator 4.5)
    identity_verified: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class PasswordReset(TenantBase):
    """A one-time code sent to an account's own e-mail and phone to set a new password. Only an HMAC of the
    code is kept (keyed with the platform secret, so a copy of the table alone does not give the codes
    back). Only the account's newest row can be used: asking again makes the earlier codes worthless
    without touching their rows."""

    __tablename__ = "citizen_password_resets"
    __table_args__ = (Index("ix_citizen_password_resets_citizen_created", "citizen_id", "created_at"),)

    id: Mapped[int] = id_column()
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen_accounts.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)  # wrong codes tried against this row
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # set by the service from its clock (not the transaction's), so the hourly cap follows the same clock
    created_at: Mapped[dt.datetime] = created_at_column()
