from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from motcua_platform.db.base import ControlBase, TenantBase, created_at_column, id_column


class OperatorRole(enum.StrEnum):
    OPERATOR = "operator"
    FINANCE = "finance"
    ADMIN = "admin"


class StaffRoleName(enum.StrEnum):
    TENANT_ADMIN = "tenant_admin"
    OFFICER = "officer"
    FINANCE_VIEWER = "finance_viewer"


class _Account:
    id: Mapped[int] = id_column()
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class _Token:
    id: Mapped[int] = id_column()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = created_at_column()
    expires_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class _LoginFailures:
    """Failed logins in a row of one account from one client address (``auth.lockout``). ``account`` is
    ``<kind>:<id>``, or ``<kind>:?<digest of the login typed>`` when no account has that login, so an unknown
    login is throttled exactly like a known one. A success deletes the row."""

    account: Mapped[str] = mapped_column(String(80), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(index=True)
    locked_until: Mapped[dt.datetime | None]


class OperatorLoginFailures(_LoginFailures, ControlBase):
    __tablename__ = "login_failures"


class LoginFailures(_LoginFailures, TenantBase):
    """Staff and citizens of the province."""

    __tablename__ = "login_failures"


class Operator(_Account, ControlBase):
    """A vendor account on the platform host."""

    __tablename__ = "operators"
    __table_args__ = (
        CheckConstraint("role IN ('operator', 'finance', 'admin')", name="role"),
        Index("uq_operators_email_lower", text("lower(email)"), unique=True),
    )

    role: Mapped[str] = mapped_column(String(20))


class OperatorToken(_Token, ControlBase):
    __tablename__ = "operator_tokens"

    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id", ondelete="CASCADE"), index=True)
    operator: Mapped[Operator] = relationship()


class StaffAccount(_Account, TenantBase):
    """A province's staff member; roles are granted per unit."""

    __tablename__ = "staff_accounts"
    __table_args__ = (Index("uq_staff_accounts_email_lower", text("lower(email)"), unique=True),)

    # Set while the password is one somebody else chose (a reset's temporary one, or given at creation): the
    # consoles let the member do nothing else until they have chosen their own.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    roles: Mapped[list[StaffRole]] = relationship(
        back_populates="staff", cascade="all, delete-orphan", order_by="StaffRole.id", lazy="selectin"
    )


class StaffRole(TenantBase):
    __tablename__ = "staff_roles"
    __table_args__ = (
        CheckConstraint("role IN ('tenant_admin', 'officer', 'finance_viewer')", name="role"),
        UniqueConstraint("staff_id", "role", "unit_id", name="uq_staff_roles_staff_role_unit"),
    )

    id: Mapped[int] = id_column()
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)

    staff: Mapped[StaffAccount] = relationship(back_populates="roles")


class StaffToken(_Token, TenantBase):
    __tablename__ = "staff_tokens"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    staff: Mapped[StaffAccount] = relationship()
