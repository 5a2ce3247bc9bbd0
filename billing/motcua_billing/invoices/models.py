"""Invoices (draft → finalized → paid / void), their lines, the gapless yearly numbering and payments."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from motcua_platform.db.base import ControlBase, created_at_column, id_column
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    FINALIZED = "finalized"
    PAID = "paid"
    VOID = "void"


# Numbered invoices: their lines have claimed the usage they bill, and their periods are never re-rated.
BILLED = (InvoiceStatus.FINALIZED, InvoiceStatus.PAID)


class LineKind(enum.StrEnum):
    LEASE = "lease"  # the contract's lease fee for the period
    USAGE = "usage"  # a metric over the period (quota as a free first tier, then overage)
    ADJUSTMENT = "adjustment"  # usage of an earlier, already finalized period that arrived late


class Invoice(ControlBase):
    __tablename__ = "billing_invoices"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'finalized', 'paid', 'void')", name="status"),
        CheckConstraint("(number IS NULL) = (number_year IS NULL)", name="number_pair"),
        CheckConstraint("status = 'draft' OR status = 'void' OR number IS NOT NULL", name="numbered"),
        CheckConstraint("subtotal_vnd >= 0 AND vat_vnd >= 0 AND total_vnd >= 0", name="money"),
        UniqueConstraint("number_year", "number", name="uq_billing_invoices_number"),
        Index(
            "uq_billing_invoices_tenant_period",
            "tenant_id",
            "period_start",
            unique=True,
            postgresql_where=text("status <> 'void'"),
        ),
    )

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("billing_contracts.id", ondelete="RESTRICT"))
    period_start: Mapped[dt.date] = mapped_column(Date)  # first day, Asia/Ho_Chi_Minh
    period_end: Mapped[dt.date] = mapped_column(Date)  # first day after the period
    status: Mapped[str] = mapped_column(String(10), default=InvoiceStatus.DRAFT)
    number_year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="VND")
    subtotal_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    vat_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    total_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_paid_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[dt.datetime] = created_at_column()
    computed_at: Mapped[dt.datetime] = created_at_column()
    finalized_at: Mapped[dt.datetime | None]
    paid_at: Mapped[dt.datetime | None]
    voided_at: Mapped[dt.datetime | None]
    void_reason: Mapped[str | None] = mapped_column(Text)
    stripe_invoice_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    stripe_status: Mapped[str | None] = mapped_column(String(30))

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", cascade="all, delete-orphan", order_by="InvoiceLine.position", lazy="selectin"
    )

    @property
    def display_number(self) -> str | None:
        return f"MC{self.number_year}-{self.number:07d}" if self.number is not None else None

    @property
    def amount_due_vnd(self) -> int:
        return max(self.total_vnd - self.amount_paid_vnd, 0)


class InvoiceLine(ControlBase):
    """One line; ``details`` keeps the tier breakdown and the usage query the line counts."""

    __tablename__ = "billing_invoice_lines"
    __table_args__ = (
        CheckConstraint("kind IN ('lease', 'usage', 'adjustment')", name="kind"),
        CheckConstraint("amount_vnd >= 0", name="amount"),
    )

    id: Mapped[int] = id_column()
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    metric_code: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(String(500))
    service_start: Mapped[dt.date] = mapped_column(Date)  # the period the line is for (earlier for adjustments)
    service_end: Mapped[dt.date] = mapped_column(Date)
    quantity: Mapped[Decimal] = mapped_column(Numeric(20, 6))
    included_quantity: Mapped[Decimal] = mapped_column(Numeric(20, 6), default=Decimal(0))
    billable_quantity: Mapped[Decimal] = mapped_column(Numeric(20, 6), default=Decimal(0))
    unit: Mapped[str] = mapped_column(String(40))
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    event_count: Mapped[int] = mapped_column(BigInteger, default=0)
    price_version_id: Mapped[int | None] = mapped_column(ForeignKey("billing_price_versions.id", ondelete="RESTRICT"))
    details: Mapped[dict] = mapped_column(JSONB, default=dict)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoiceCounter(ControlBase):
    """Last number issued per calendar year; locked and bumped in the finalizing transaction, so a
    rolled-back finalization leaves no gap."""

    __tablename__ = "billing_invoice_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class Payment(ControlBase):
    __tablename__ = "billing_payments"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount"),
        CheckConstraint("method IN ('bank_transfer', 'stripe', 'cash')", name="method"),
        UniqueConstraint("method", "reference", name="uq_billing_payments_method_reference"),
    )

    id: Mapped[int] = id_column()
    invoice_id: Mapped[int] = mapped_column(ForeignKey("billing_invoices.id", ondelete="RESTRICT"), index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(200))
    paid_at: Mapped[dt.datetime]
    recorded_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = created_at_column()


class InvoiceSignature(ControlBase):
    """The invoice's PDF as the vendor signed it (PAdES, the vendor's seal; ADR 0063): stored whole, since a
    signed file cannot be rendered again (a new rendering would carry no signature), and served instead of
    the rendering from then on. One per invoice; signing again is refused."""

    __tablename__ = "billing_invoice_signatures"

    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("billing_invoices.id", ondelete="RESTRICT"), primary_key=True, autoincrement=False
    )
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str | None] = mapped_column(String(300))
    signer_fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of the vendor's certificate
    signed_by: Mapped[str] = mapped_column(String(300))
    signed_at: Mapped[dt.datetime] = created_at_column()
