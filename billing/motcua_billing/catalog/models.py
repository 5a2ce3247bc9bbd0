"""What is billed and on which terms: billable metrics, plans (templates), billing accounts, contracts and
their price versions (pilot, then official tariff) with one charge per metric.

All of it lives in the ``control`` schema and is keyed by tenant id. Money is integer VND (``BigInteger``);
quantities and unit prices are ``Numeric``.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from motcua_platform.db.base import ControlBase, created_at_column, id_column
from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

QUANTITY = Numeric(20, 6)
PRICE = Numeric(18, 4)


class Aggregation(enum.StrEnum):
    COUNT = "count"  # number of events in the period
    SUM = "sum"  # sum of quantities
    MAX = "max"  # peak quantity (storage, seats)


class Cadence(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


CADENCE_MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.ANNUAL: 12}


class ChargeModel(enum.StrEnum):
    GRADUATED = "graduated"
    VOLUME = "volume"
    PACKAGE = "package"


class BillableMetric(ControlBase):
    """A thing that is counted. Adding one is a row, not code."""

    __tablename__ = "billing_metrics"
    __table_args__ = (
        CheckConstraint("aggregation IN ('count', 'sum', 'max')", name="aggregation"),
        CheckConstraint("code ~ '^[a-z][a-z0-9_]{1,63}$'", name="code_format"),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    aggregation: Mapped[str] = mapped_column(String(10))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = created_at_column()


class Plan(ControlBase):
    """A template: a contract copies its terms once, and later plan edits never change that contract."""

    __tablename__ = "billing_plans"
    __table_args__ = (
        CheckConstraint("cadence IN ('monthly', 'quarterly', 'annual')", name="cadence"),
        CheckConstraint("annual_fee_vnd >= 0 AND overage_budget_vnd >= 0", name="money"),
    )

    id: Mapped[int] = id_column()
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    cadence: Mapped[str] = mapped_column(String(10), default=Cadence.MONTHLY)
    annual_fee_vnd: Mapped[int] = mapped_column(BigInteger)
    overage_budget_vnd: Mapped[int] = mapped_column(BigInteger, default=0)
    # [{metric_code, included_quantity, model, tiers: [{up_to, unit_price}], package_size, package_price}]
    charges: Mapped[list] = mapped_column(JSONB, default=list)
    created_at: Mapped[dt.datetime] = created_at_column()


class BillingAccount(ControlBase):
    """Who the invoices of a tenant are addressed to, and its customer id at the collector (Stripe)."""

    __tablename__ = "billing_accounts"

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), unique=True)
    legal_name: Mapped[str] = mapped_column(String(300))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(500))
    emails: Mapped[list] = mapped_column(JSONB, default=list)  # the province's finance contacts (alerts, invoices)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[dt.datetime] = created_at_column()


class Contract(ControlBase):
    """A tenant's lease: term, cadence, the overage budget per contract year and its price versions.

    Terms never overlap for one tenant (checked under a lock on the tenant row). ``ends_on`` is the last
    day of the term (inclusive); both ends fall on month boundaries so that billing periods are whole.
    """

    __tablename__ = "billing_contracts"
    __table_args__ = (
        CheckConstraint("cadence IN ('monthly', 'quarterly', 'annual')", name="cadence"),
        CheckConstraint("status IN ('active', 'terminated')", name="status"),
        CheckConstraint("ends_on > starts_on", name="term"),
        CheckConstraint("overage_budget_vnd >= 0", name="budget"),
    )

    id: Mapped[int] = id_column()
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("billing_plans.id", ondelete="SET NULL"))
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    cadence: Mapped[str] = mapped_column(String(10))
    overage_budget_vnd: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[dt.datetime] = created_at_column()

    price_versions: Mapped[list[PriceVersion]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="PriceVersion.effective_from"
    )


class PriceVersion(ControlBase):
    """The tariff in force from ``effective_from`` (the first day of a month) until the next version."""

    __tablename__ = "billing_price_versions"
    __table_args__ = (
        UniqueConstraint("contract_id", "effective_from", name="uq_billing_price_versions_contract_from"),
        CheckConstraint("annual_fee_vnd >= 0", name="fee"),
        CheckConstraint("extract(day FROM effective_from) = 1", name="month_start"),
    )

    id: Mapped[int] = id_column()
    contract_id: Mapped[int] = mapped_column(ForeignKey("billing_contracts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    annual_fee_vnd: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = created_at_column()

    contract: Mapped[Contract] = relationship(back_populates="price_versions")
    charges: Mapped[list[Charge]] = relationship(
        back_populates="price_version", cascade="all, delete-orphan", order_by="Charge.metric_code", lazy="selectin"
    )


class Charge(ControlBase):
    """How one metric is priced under a price version: the included quota per billing period (a free
    first tier) and the overage model with tiers counted in units beyond the quota."""

    __tablename__ = "billing_charges"
    __table_args__ = (
        UniqueConstraint("price_version_id", "metric_code", name="uq_billing_charges_version_metric"),
        CheckConstraint("model IN ('graduated', 'volume', 'package')", name="model"),
        CheckConstraint("included_quantity >= 0", name="included"),
    )

    id: Mapped[int] = id_column()
    price_version_id: Mapped[int] = mapped_column(ForeignKey("billing_price_versions.id", ondelete="CASCADE"))
    metric_code: Mapped[str] = mapped_column(ForeignKey("billing_metrics.code", ondelete="RESTRICT"))
    included_quantity: Mapped[Decimal] = mapped_column(QUANTITY, default=Decimal(0))
    model: Mapped[str] = mapped_column(String(10), default=ChargeModel.GRADUATED)
    tiers: Mapped[list] = mapped_column(JSONB, default=list)  # [{"up_to": "10000" | null, "unit_price": "500"}]
    package_size: Mapped[Decimal | None] = mapped_column(QUANTITY)
    package_price: Mapped[Decimal | None] = mapped_column(PRICE)

    price_version: Mapped[PriceVersion] = relationship(back_populates="charges")
