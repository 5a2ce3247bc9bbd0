"""An invoice's lines, computed from the usage ledger: the lease share, one usage line per priced metric and
an adjustment line for late usage of an earlier, already billed period.

* Usage is aggregated in SQL, per tenant and metric, over the period cut in Asia/Ho_Chi_Minh.
* Usage that arrives after its period was finalized stays unclaimed and becomes an adjustment line on the
  next invoice, within ``LOOKBACK_MONTHS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from motcua_platform.dates import add_months
from motcua_platform.db.base import utcnow
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua_billing.catalog.models import CADENCE_MONTHS, BillableMetric, Charge, Contract
from motcua_billing.catalog.services import charge_spec, price_version_for
from motcua_billing.invoices.models import BILLED, Invoice, InvoiceLine, LineKind
from motcua_billing.rating import periods
from motcua_billing.rating.periods import Period
from motcua_billing.rating.services import (
    PriceSpec,
    adjustment,
    invoice_totals,
    lease_share,
    prorate,
    prorate_quantity,
    rate,
)
from motcua_billing.usage import claims
from motcua_billing.usage.models import UsageEvent

LOOKBACK_MONTHS = 12  # late usage older than this is not billed automatically (see docs/billing.md)


@dataclass(frozen=True)
class Aggregate:
    count: int = 0
    total: Decimal = Decimal(0)
    peak: Decimal = Decimal(0)

    def value(self, aggregation: str) -> Decimal:
        return {"count": Decimal(self.count), "sum": self.total, "max": self.peak}[aggregation]


@dataclass
class LineSpec:
    kind: str
    metric_code: str | None
    description: str
    service: Period
    quantity: Decimal
    included: Decimal
    billable: Decimal
    unit: str
    amount: int
    event_count: int
    price_version_id: int | None
    details: dict

    def signature(self) -> tuple:
        return (
            self.kind,
            self.metric_code,
            self.service.start,
            self.quantity,
            self.included,
            self.billable,
            self.amount,
            self.event_count,
            self.price_version_id,
        )


# -- usage aggregation ---------------------------------------------------------------------------
def aggregate_usage(session: Session, tenant_ids: Iterable[int], period: Period) -> dict[tuple[int, str], Aggregate]:
    query = (
        select(
            UsageEvent.tenant_id,
            UsageEvent.metric_code,
            func.count(),
            func.coalesce(func.sum(UsageEvent.quantity), 0),
            func.coalesce(func.max(UsageEvent.quantity), 0),
        )
        .where(
            UsageEvent.tenant_id.in_(list(tenant_ids)),
            UsageEvent.occurred_at >= period.start_at,
            UsageEvent.occurred_at < period.end_at,
        )
        .group_by(UsageEvent.tenant_id, UsageEvent.metric_code)
    )
    return {(t, m): Aggregate(c, Decimal(s), Decimal(p)) for t, m, c, s, p in session.execute(query)}


def late_usage_months(
    session: Session, tenant_ids: Iterable[int], before: dt.date
) -> dict[int, set[tuple[str, dt.date]]]:
    """(metric, local month) of unclaimed usage that occurred before ``before``, within the lookback."""
    return claims.unclaimed_months(session, tenant_ids, add_months(before, -LOOKBACK_MONTHS), before)


def claimed_total(session: Session, tenant_id: int, metric: BillableMetric, period: Period) -> Aggregate:
    """Everything claimed for a metric's period by finalized lines (plus those being finalized now)."""
    totals = claims.claimed_totals(session, tenant_id, metric.code, period.start_at, period.end_at)
    return Aggregate(totals.count, totals.total, totals.peak)


def _billed(session: Session, tenant_id: int, metric: str, service_start: dt.date) -> tuple[Decimal, int] | None:
    """What finalized invoices already billed for a metric's period: (period total quantity, amount)."""
    rows = session.execute(
        select(InvoiceLine.details, InvoiceLine.amount_vnd)
        .join(Invoice)
        .where(
            Invoice.tenant_id == tenant_id,
            Invoice.status.in_(BILLED),
            InvoiceLine.metric_code == metric,
            InvoiceLine.service_start == service_start,
        )
    ).all()
    if not rows:
        return None
    return max(Decimal(d.get("period_total", "0")) for d, _ in rows), sum(a for _, a in rows)


# -- computing lines -----------------------------------------------------------------------------
def coverage(contract: Contract, period: Period) -> Period:
    """The days of ``period`` the contract covers: all of them, unless its term starts or ends inside it."""
    return periods.covered(period, contract.starts_on, contract.ends_on)


def _coverage_details(covered: Period, period: Period) -> dict:
    """What a prorated line says of its days (nothing for a whole period: its lines read as before)."""
    if covered.days == period.days:
        return {}
    return {
        "covered_from": covered.start.isoformat(),
        "covered_until": (covered.end - dt.timedelta(days=1)).isoformat(),
        "covered_days": covered.days,
        "period_days": period.days,
    }


def _lease_line(contract: Contract, period: Period) -> LineSpec:
    version = price_version_for(contract, period.start)
    year = periods.contract_year(contract.starts_on.replace(day=1), period.start)
    share = lease_share(version.annual_fee_vnd, periods.months_between(year.start, period.start), period.months)
    covered = coverage(contract, period)
    # A term that starts or ends inside the period pays only its days of it (ADR 0060).
    amount = prorate(share, covered.days, period.days)
    months = prorate_quantity(Decimal(period.months), covered.days, period.days)
    description = f"Phí thuê dịch vụ một cửa điện tử {period.label_vi()} (hợp đồng {contract.code})"
    if covered.days != period.days:
        last = covered.end - dt.timedelta(days=1)
        description += f", từ {covered.start:%d/%m/%Y} đến {last:%d/%m/%Y} ({covered.days}/{period.days} ngày)"
    return LineSpec(
        kind=LineKind.LEASE,
        metric_code=None,
        description=description,
        service=period,
        quantity=months,
        included=Decimal(0),
        billable=months,
        unit="tháng",
        amount=amount,
        event_count=0,
        price_version_id=version.id,
        details={
            "annual_fee_vnd": version.annual_fee_vnd,
            "price_version": version.name,
            **({"period_share_vnd": share} if covered.days != period.days else {}),
            **_coverage_details(covered, period),
        },
    )


def charge_spec_for(contract: Contract, period: Period, charge: Charge) -> PriceSpec:
    """The charge's terms for ``period``: its included quota is per billing period, so a contract covering
    only part of the period gets that part of the quota (ADR 0060)."""
    spec = charge_spec(charge)
    covered = coverage(contract, period)
    return replace(spec, included=prorate_quantity(spec.included, covered.days, period.days))


def usage_line(
    contract: Contract, period: Period, metric: BillableMetric, aggregate: Aggregate, *, kind: str = LineKind.USAGE
) -> LineSpec | None:
    version = price_version_for(contract, period.start)
    charge = next((c for c in version.charges if c.metric_code == metric.code), None)
    if charge is None:
        return None
    # The included quota is per billing period (the contract's cadence), prorated to the days covered; the
    # usage is the whole period's recorded against the tenant (a merged source's last invoice bills it all).
    spec = charge_spec_for(contract, period, charge)
    quantity = aggregate.value(metric.aggregation)
    rated = rate(spec, quantity)
    return LineSpec(
        kind=kind,
        metric_code=metric.code,
        description=f"{metric.name} {period.label_vi()}",
        service=period,
        quantity=quantity,
        included=rated.included,
        billable=rated.overage,
        unit=metric.unit,
        amount=rated.amount,
        event_count=aggregate.count,
        price_version_id=version.id,
        details={
            **rated.as_dict(),
            "model": spec.model,
            "aggregation": metric.aggregation,
            "period_total": str(quantity),
            "usage_query": _usage_query(contract.tenant_id, metric.code, period),
            **_coverage_details(coverage(contract, period), period),
        },
    )


def _usage_query(tenant_id: int, metric: str, period: Period) -> dict:
    return {
        "tenant_id": tenant_id,
        "metric_code": metric,
        "occurred_from": period.start_at.isoformat(),
        "occurred_before": period.end_at.isoformat(),
    }


def adjustment_line(
    session: Session,
    contract: Contract,
    tenant_id: int,
    metric: BillableMetric,
    period: Period,
    new_total: Decimal,
    late_count: int,
) -> LineSpec | None:
    billed = _billed(session, tenant_id, metric.code, period.start)
    if billed is None:
        return None
    version = price_version_for(contract, period.start)
    charge = next((c for c in version.charges if c.metric_code == metric.code), None)
    if charge is None:
        return None
    billed_total, billed_amount = billed
    rated = adjustment(charge_spec_for(contract, period, charge), billed_total, billed_amount, new_total)
    return LineSpec(
        kind=LineKind.ADJUSTMENT,
        metric_code=metric.code,
        description=f"Điều chỉnh: {metric.name} {period.label_vi()} (phát sinh sau khi đã lập hóa đơn)",
        service=period,
        quantity=rated.quantity,
        included=Decimal(0),
        billable=rated.overage,
        unit=metric.unit,
        amount=rated.amount,
        event_count=late_count,
        price_version_id=version.id,
        details={
            **rated.as_dict(),
            "aggregation": metric.aggregation,
            "period_total": str(max(new_total, billed_total)),
            "billed_total": str(billed_total),
            "billed_amount_vnd": billed_amount,
            "usage_query": {**_usage_query(tenant_id, metric.code, period), "unclaimed_only": True},
        },
    )


def _period_of_month(contract: Contract, month: dt.date) -> Period:
    return periods.period_containing(contract.starts_on.replace(day=1), CADENCE_MONTHS[contract.cadence], month)


def compute_lines(
    session: Session,
    contract: Contract,
    period: Period,
    metrics: dict[str, BillableMetric],
    usage: dict[tuple[int, str], Aggregate],
    late: set[tuple[str, dt.date]],
) -> list[LineSpec]:
    tenant_id = contract.tenant_id
    lines = [_lease_line(contract, period)]
    version = price_version_for(contract, period.start)
    for charge in version.charges:
        metric = metrics[charge.metric_code]
        line = usage_line(contract, period, metric, usage.get((tenant_id, metric.code), Aggregate()))
        if line is not None:
            lines.append(line)
    for metric_code, earlier in _late_periods(contract, late, period):
        metric = metrics.get(metric_code)
        if metric is None:
            continue
        whole = aggregate_usage(session, [tenant_id], earlier).get((tenant_id, metric_code), Aggregate())
        unclaimed = claims.unclaimed_count(session, tenant_id, metric_code, earlier.start, earlier.end)
        line = adjustment_line(
            session, contract, tenant_id, metric, earlier, whole.value(metric.aggregation), unclaimed
        )
        if line is not None and (line.amount or line.quantity):
            lines.append(line)
    return lines


def _late_periods(contract: Contract, late: set[tuple[str, dt.date]], period: Period) -> list[tuple[str, Period]]:
    found = set()
    for metric_code, month in late:
        if month < contract.starts_on or month > contract.ends_on or month >= period.start:
            continue
        found.add((metric_code, _period_of_month(contract, month)))
    return sorted(found, key=lambda item: (item[1].start, item[0]))


# -- writing lines -------------------------------------------------------------------------------
SIX_PLACES = Decimal("0.000001")


def _q(value: Decimal) -> Decimal:
    """As the column stores it (Numeric(20, 6)), so fresh and re-read values compare and print alike."""
    return Decimal(value).quantize(SIX_PLACES)


def write_lines(session: Session, invoice: Invoice, lines: list[LineSpec], vat_rate: Decimal) -> None:
    invoice.lines.clear()
    session.flush()
    for position, spec in enumerate(lines, start=1):
        invoice.lines.append(
            InvoiceLine(
                position=position,
                kind=spec.kind,
                metric_code=spec.metric_code,
                description=spec.description,
                service_start=spec.service.start,
                service_end=spec.service.end,
                quantity=_q(spec.quantity),
                included_quantity=_q(spec.included),
                billable_quantity=_q(spec.billable),
                unit=spec.unit,
                amount_vnd=spec.amount,
                event_count=spec.event_count,
                price_version_id=spec.price_version_id,
                details=spec.details,
            )
        )
    invoice.subtotal_vnd, invoice.vat_vnd, invoice.total_vnd = invoice_totals([s.amount for s in lines], vat_rate)
    invoice.vat_rate = vat_rate
    invoice.computed_at = utcnow()
    session.flush()


def refigure(line: InvoiceLine, spec: LineSpec) -> None:
    """Put a re-rated line's figures on the stored line (its position, kind and description stay)."""
    line.quantity, line.included_quantity, line.billable_quantity = (
        _q(spec.quantity),
        _q(spec.included),
        _q(spec.billable),
    )
    line.amount_vnd, line.event_count, line.details = spec.amount, spec.event_count, spec.details


def _existing_signature(invoice: Invoice) -> list[tuple]:
    return [
        (
            line.kind,
            line.metric_code,
            line.service_start,
            line.quantity,
            line.included_quantity,
            line.billable_quantity,
            line.amount_vnd,
            line.event_count,
            line.price_version_id,
        )
        for line in invoice.lines
    ]


def _normalise(signature: list[tuple]) -> list[tuple]:
    return [tuple(Decimal(v).normalize() if isinstance(v, Decimal) else v for v in row) for row in signature]


def lines_differ(invoice: Invoice, lines: list[LineSpec]) -> bool:
    """Whether ``lines`` would change what the invoice bills (a re-run that finds nothing new changes nothing)."""
    return _normalise(_existing_signature(invoice)) != _normalise([s.signature() for s in lines])
