"""Payments of a dossier's fees and the province's merchant settings, in the province's own schema.

A payment is money the province received (or is waiting for) against one dossier: online through the
province's gateway, or at the counter in cash or by bank transfer. Amounts are whole đồng (VND has no minor
unit; the gateway's ×100 is the adapter's business). ``order_ref`` is the reference we give the gateway
(vnp_TxnRef); ``gateway_txn`` the gateway's own transaction number, unique in the province: the same
transaction notified again is recognised by it and never recorded twice."""

from __future__ import annotations

import datetime as dt
import enum

from motcua_platform.db.base import TenantBase, created_at_column, id_column
from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column


class Method(enum.StrEnum):
    ONLINE = "online"  # through the province's payment gateway
    CASH = "cash"  # at the counter, recorded by an officer
    TRANSFER = "transfer"  # a bank transfer to the province's account, recorded by an officer


class PaymentState(enum.StrEnum):
    PENDING = "pending"  # an online order sent to the gateway, no verified answer yet
    PAID = "paid"
    FAILED = "failed"  # the gateway said the payment did not go through (cancelled, declined, expired)
    REFUNDED = "refunded"


class Payment(TenantBase):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("method IN ('online', 'cash', 'transfer')", name="method"),
        CheckConstraint("state IN ('pending', 'paid', 'failed', 'refunded')", name="state"),
        CheckConstraint("(state IN ('paid', 'refunded')) = (paid_at IS NOT NULL)", name="paid"),
        CheckConstraint("(state = 'refunded') = (refunded_at IS NOT NULL)", name="refunded"),
        CheckConstraint("method <> 'online' OR order_ref IS NOT NULL", name="online_order"),
        CheckConstraint("method = 'online' OR recorded_by IS NOT NULL", name="counter_recorder"),
        Index("ix_payments_dossier", "dossier_id", "id"),
        Index("ix_payments_paid_at", "paid_at"),
    )

    id: Mapped[int] = id_column()
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossiers.id", ondelete="RESTRICT"))
    amount: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default=PaymentState.PENDING)
    order_ref: Mapped[str | None] = mapped_column(String(40), unique=True)
    gateway_txn: Mapped[str | None] = mapped_column(String(40), unique=True)
    bank_code: Mapped[str | None] = mapped_column(String(20))
    # the gateway's last answer code for the order (vnp_ResponseCode), or the counter's receipt reference
    gateway_code: Mapped[str | None] = mapped_column(String(10))
    reference: Mapped[str | None] = mapped_column(String(100))  # a transfer's bank reference, a cash receipt no.
    recorded_by: Mapped[str | None] = mapped_column(String(200))  # the officer who took a counter payment
    created_at: Mapped[dt.datetime] = created_at_column()
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    refund_attempts: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    refund_error: Mapped[str | None] = mapped_column(Text)


class PaymentSettings(TenantBase):
    """The province's merchant account at its gateway: at most one row. The money goes to the province's
    account there, never through the vendor. ``secret`` (the gateway's hash secret) signs what we send and
    checks what the gateway sends; it is never shown back, logged or put in an audit event."""

    __tablename__ = "payment_settings"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("gateway IN ('vnpay')", name="gateway"),
        CheckConstraint(
            "NOT enabled OR (merchant_code IS NOT NULL AND secret IS NOT NULL AND pay_url IS NOT NULL"
            " AND api_url IS NOT NULL)",
            name="enabled_complete",
        ),
    )

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=1, autoincrement=False)
    enabled: Mapped[bool] = mapped_column(default=False)
    gateway: Mapped[str] = mapped_column(String(20), default="vnpay")
    merchant_code: Mapped[str | None] = mapped_column(String(40))
    secret: Mapped[str | None] = mapped_column(String(200))
    pay_url: Mapped[str | None] = mapped_column(String(500))
    api_url: Mapped[str | None] = mapped_column(String(500))
    updated_at: Mapped[dt.datetime] = created_at_column()
