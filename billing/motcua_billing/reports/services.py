"""What finance looks at: a tenant's usage this period (quota left, projected overage) and the budget
per contract year (lease, overage budget, actual overage, invoiced, paid), like the provinces' tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from motcua_platform.dates import add_months
from motcua_platform.db.base import utcnow
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _
from sqlalchemy import BigInteger, Date, String, and_, column, func, select, values
from sqlalchemy.orm import Session, selectinload

from motcua_billing.catalog.models import CADENCE_MONTHS, BillableMetric, Contract, Plan, PriceVersion
from motcua_billing.catalog.services import charge_spec, contract_for_month, price_version_for
from motcua_billing.invoices.lines import Aggregate, aggregate_usage
from motcua_billing.invoices.models import BILLED, Invoice, InvoiceLine, InvoiceStatus, LineKind
from motcua_billing.rating import periods
from motcua_billing.rating.periods import Period
from motcua_billing.rating.services import lease_share, project, rate
from motcua_billing.usage.models import UsageDaily


@dataclass
class MetricUsage:
    metric: str
    name: str
    unit: str
    aggregation: str
    quantity: Decimal
    included: Decimal
    quota_left: Decimal
    used_percent: Decimal | None
    overage_quantity: Decimal
    overage_vnd: int
    projected_quantity: Decimal
    projected_overage_vnd: int
    events: int


@dataclass
class UsageSummary:
    tenant: str
    contract: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.datetime
    metrics: list[MetricUsage] = field(default_factory=list)
    overage_vnd: int = 0
    projected_overage_vnd: int = 0
    budget: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class BudgetYear:
    year_start: dt.date
    year_end: dt.date
    lease_vnd: int
    overage_budget_vnd: int
    actual_overage_vnd: int
    remaining_budget_vnd: int
    budget_used_percent: Decimal
    invoiced_vnd: int  # totals of finalized and paid invoices, VAT included
    invoiced_before_vat_vnd: int
    paid_vnd: int
    outstanding_vnd: int


def _percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def contract_or_404(session: Session, tenant_id: int, month: dt.date) -> Contract:
    contract = contract_for_month(session, tenant_id, month)
    if contract is None:
        raise NotFound(_("No active contract covers %(month)s.", month=format(month, "%Y-%m")))
    return contract


def usage_summary(session: Session, tenant_id: int, slug: str, *, now: dt.datetime | None = None) -> UsageSummary:
    now = now or utcnow()
    month = periods.month_of(now)
    contract = contract_or_404(session, tenant_id, month)
    period = periods.period_containing(contract.starts_on, CADENCE_MONTHS[contract.cadence], month)
    version = price_version_for(contract, period.start)
    metrics = {m.code: m for m in session.scalars(select(BillableMetric))}
    usage = aggregate_usage(session, [tenant_id], period)
    elapsed, length = now - period.start_at, period.end_at - period.start_at
    summary = UsageSummary(slug, contract.code, period.start, period.end, now)
    for charge in version.charges:
        metric = metrics[charge.metric_code]
        aggregate = usage.get((tenant_id, metric.code), Aggregate())
        quantity = aggregate.value(metric.aggregation)
        spec = charge_spec(charge)
        rated = rate(spec, quantity)
        projected_quantity = project(quantity, metric.aggregation, elapsed, length)
        projected = rate(spec, projected_quantity)
        summary.metrics.append(
            MetricUsage(
                metric=metric.code,
                name=metric.name,
                unit=metric.unit,
                aggregation=metric.aggregation,
                quantity=quantity,
                included=spec.included,
                quota_left=max(spec.included - quantity, Decimal(0)),
                used_percent=_percent(quantity, spec.included),
                overage_quantity=rated.overage,
                overage_vnd=rated.amount,
                projected_quantity=projected_quantity.quantize(Decimal("0.001")),
                projected_overage_vnd=projected.amount,
                events=aggregate.count,
            )
        )
    summary.overage_vnd = sum(m.overage_vnd for m in summary.metrics)
    summary.projected_overage_vnd = sum(m.projected_overage_vnd for m in summary.metrics)
    year = periods.contract_year(contract.starts_on, month)
    spent = year_overage(session, contract, year, live_period=period, live_overage=summary.overage_vnd)
    summary.budget = {
        "year_start": year.start,
        "year_end": year.end,
        "overage_budget_vnd": contract.overage_budget_vnd,
        "overage_to_date_vnd": spent,
        "projected_overage_vnd": spent - summary.overage_vnd + summary.projected_overage_vnd,
        "used_percent": _percent(spent, contract.overage_budget_vnd),
    }
    return summary


def year_overage(
    session: Session, contract: Contract, year: Period, *, live_period: Period | None = None, live_overage: int = 0
) -> int:
    """Overage of a contract year: usage and adjustment lines of its invoices (drafts included), plus the
    live overage of ``live_period`` when no invoice covers it yet."""
    rows = session.execute(
        select(Invoice.period_start, func.sum(InvoiceLine.amount_vnd))
        .join(InvoiceLine)
        .where(
            Invoice.contract_id == contract.id,
            Invoice.status != InvoiceStatus.VOID,
            InvoiceLine.kind.in_([LineKind.USAGE, LineKind.ADJUSTMENT]),
            InvoiceLine.service_start >= year.start,
            InvoiceLine.service_start < year.end,
        )
        .group_by(Invoice.period_start)
    ).all()
    total = sum(int(amount) for _, amount in rows)
    invoiced_periods = {start for start, _ in rows}
    if live_period is not None and live_period.start not in invoiced_periods:
        has_invoice = session.scalar(
            select(Invoice.id).where(
                Invoice.contract_id == contract.id,
                Invoice.period_start == live_period.start,
                Invoice.status != InvoiceStatus.VOID,
            )
        )
        if has_invoice is None:
            total += live_overage
    return total


def budget(session: Session, contract: Contract, *, now: dt.datetime | None = None) -> list[BudgetYear]:
    """One row per contract year of the term."""
    now = now or utcnow()
    month = periods.month_of(now)
    rows: list[BudgetYear] = []
    start = contract.starts_on
    while start <= contract.ends_on:
        year = Period(start, add_months(start, 12))
        lease = 0
        for offset in range(12):
            first = add_months(start, offset)
            if first > contract.ends_on:
                break
            lease += lease_share(price_version_for(contract, first).annual_fee_vnd, offset, 1)
        live = None
        live_overage = 0
        if year.start <= month < year.end:
            live = periods.period_containing(contract.starts_on, CADENCE_MONTHS[contract.cadence], month)
            try:
                live_overage = usage_summary(session, contract.tenant_id, "", now=now).overage_vnd
            except NotFound:
                live_overage = 0
        overage = year_overage(session, contract, year, live_period=live, live_overage=live_overage)
        invoiced = session.execute(
            select(
                func.coalesce(func.sum(Invoice.total_vnd), 0),
                func.coalesce(func.sum(Invoice.subtotal_vnd), 0),
                func.coalesce(func.sum(Invoice.amount_paid_vnd), 0),
            ).where(
                Invoice.contract_id == contract.id,
                Invoice.status.in_(BILLED),
                Invoice.period_start >= year.start,
                Invoice.period_start < year.end,
            )
        ).one()
        rows.append(
            BudgetYear(
                year_start=year.start,
                year_end=year.end,
                lease_vnd=lease,
                overage_budget_vnd=contract.overage_budget_vnd,
                actual_overage_vnd=overage,
                remaining_budget_vnd=contract.overage_budget_vnd - overage,
                budget_used_percent=_percent(overage, contract.overage_budget_vnd) or Decimal(0),
                invoiced_vnd=int(invoiced[0]),
                invoiced_before_vat_vnd=int(invoiced[1]),
                paid_vnd=int(invoiced[2]),
                outstanding_vnd=int(invoiced[0]) - int(invoiced[2]),
            )
        )
        start = year.end
    return rows


@dataclass(frozen=True)
class TenantGlance:
    """A tenant's usage at a glance: its contract in force this month, and the contract year's use of the
    main metric (its contract's first charge) against the year's quota."""

    contract: str
    plan: str | None
    metric: str | None
    unit: str | None
    used: Decimal
    quota: Decimal
    used_percent: Decimal | None
    year_start: dt.date
    year_end: dt.date  # the first day after the year


def glance(session: Session, tenant_ids: list[int], *, now: dt.datetime | None = None) -> dict[int, TenantGlance]:
    """``TenantGlance`` of each tenant with a contract in force this month, in a fixed number of queries
    whatever the number of tenants (the vendor console's tenant list shows them all at once). A "sum" or
    "count" metric's year quota is the included quantity of every billing period of the year; a "max"
    metric's is one period's (it is a peak, never added up)."""
    month = periods.month_of(now or utcnow())
    contracts = session.scalars(
        select(Contract)
        .where(
            Contract.tenant_id.in_(tenant_ids),
            Contract.status == "active",
            Contract.starts_on <= month,
            Contract.ends_on >= month,
        )
        .options(selectinload(Contract.price_versions).selectinload(PriceVersion.charges))
        .order_by(Contract.id)
    ).all()
    if not contracts:
        return {}
    plans = dict(session.execute(select(Plan.id, Plan.name).where(Plan.id.in_({c.plan_id for c in contracts}))).all())
    metrics = {m.code: m for m in session.scalars(select(BillableMetric))}
    terms = {}
    for contract in contracts:
        year = periods.contract_year(contract.starts_on, month)
        versions = [v for v in contract.price_versions if v.effective_from <= month]
        charges = sorted(versions[-1].charges, key=lambda c: c.id) if versions else []
        terms[contract.tenant_id] = (contract, year, charges[0] if charges else None)
    wanted = [
        (tenant_id, charge.metric_code, year.start, year.end)
        for tenant_id, (_contract, year, charge) in terms.items()
        if charge is not None
    ]
    usage: dict[int, Aggregate] = {}
    if wanted:
        # The daily roll-up, not the events: at most 366 rows per tenant however much usage a province
        # records (a year of events is hundreds of thousands of rows). A contract year is whole Vietnamese
        # days, so its days add up to exactly its events.
        windows = values(
            column("tenant_id", BigInteger),
            column("metric", String),
            column("starts", Date),
            column("ends", Date),
            name="windows",
        ).data(wanted)
        rows = session.execute(
            select(
                windows.c.tenant_id,
                func.sum(UsageDaily.events),
                func.sum(UsageDaily.quantity),
                func.max(UsageDaily.peak),
            )
            .select_from(windows)
            .join(
                UsageDaily,
                and_(
                    UsageDaily.tenant_id == windows.c.tenant_id,
                    UsageDaily.metric_code == windows.c.metric,
                    UsageDaily.day >= windows.c.starts,
                    UsageDaily.day < windows.c.ends,
                ),
            )
            .group_by(windows.c.tenant_id)
        )
        usage = {t: Aggregate(int(c), Decimal(s), Decimal(p)) for t, c, s, p in rows}
    found = {}
    for tenant_id, (contract, year, charge) in terms.items():
        metric = metrics.get(charge.metric_code) if charge is not None else None
        used = quota = Decimal(0)
        if metric is not None:
            used = usage.get(tenant_id, Aggregate()).value(metric.aggregation)
            per_year = 1 if metric.aggregation == "max" else 12 // CADENCE_MONTHS[contract.cadence]
            quota = charge.included_quantity * per_year
        found[tenant_id] = TenantGlance(
            contract=contract.code,
            plan=plans.get(contract.plan_id),
            metric=metric.name if metric else None,
            unit=metric.unit if metric else None,
            used=used,
            quota=quota,
            used_percent=_percent(used, quota),
            year_start=year.start,
            year_end=year.end,
        )
    return found
