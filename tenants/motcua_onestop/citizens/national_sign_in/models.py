"""The province's identity provider (one row) and the identities linked to citizen accounts."""

from __future__ import annotations

import datetime as dt

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

DEFAULT_SCOPES = "openid profile national_id"
DEFAULT_IDENTITY_CLAIM = "national_id"


class IdentityProviderSettings(TenantBase):
    """The OpenID Connect provider citizens of the province sign in with: at most one row. The client
    secret is write-only: stored, sent to the provider's token endpoint, never shown back or audited."""

    __tablename__ = "identity_provider_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint(
            "NOT enabled OR (issuer IS NOT NULL AND client_id IS NOT NULL AND client_secret IS NOT NULL)",
            name="enabled_complete",
        ),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(default=False)
    display_name: Mapped[str] = mapped_column(String(80), default="VNeID")  # the sign-in button says it
    issuer: Mapped[str | None] = mapped_column(String(500))
    client_id: Mapped[str | None] = mapped_column(String(200))
    client_secret: Mapped[str | None] = mapped_column(String(500))
    scopes: Mapped[str] = mapped_column(String(300), default=DEFAULT_SCOPES)
    # the claim that carries the 12-digit personal identification number (CCCD)
    identity_claim: Mapped[str] = mapped_column(String(100), default=DEFAULT_IDENTITY_CLAIM)
    updated_at: Mapped[dt.datetime] = created_at_column()


class CitizenIdentity(TenantBase):
    """A national identity (the provider's issuer and subject) linked to the citizen account it signs in
    to: found by it on every later sign-in, whatever the account's e-mail or phone become."""

    __tablename__ = "citizen_identities"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_citizen_identities_issuer_subject"),)

    id: Mapped[int] = id_column()
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen_accounts.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    national_id: Mapped[str] = mapped_column(String(12))
    linked_at: Mapped[dt.datetime] = created_at_column()
    last_sign_in_at: Mapped[dt.datetime] = created_at_column()
