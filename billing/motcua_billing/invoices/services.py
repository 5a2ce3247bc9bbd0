"""The invoice run and the invoice lifecycle: draft → finalized (numbered without gaps per year) → paid or void.

* ``run_period`` rates every tenant whose contract has a billing period closing in the given month. It
  creates a draft, or recomputes an existing draft; a run that finds nothing new changes nothing. Finalized
  periods are never re-rated.
* Usage is aggregated in SQL, per tenant and metric, over the period cut in Asia/Ho_Chi_Minh.
* ``finalize`` recomputes the draft one last time while *claiming* the usage it counts
  (``billing_usage_events.invoice_line_id``), so every line of a finalized invoice points at exactly the
  events it bills. Usage that arrives later for a finalized period stays unclaimed and becomes an
  adjustment line on the next invoice.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.rendering.pdf import find_font
from sqlalchemy import and_, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_billing.catalog.models import CADENCE_MONTHS, BillableMetric, Contract
from motcua_billing.catalog.services import charge_spec, price_version_for
from motcua_billing.invoices.models import Invoice, InvoiceCounter, InvoiceLine, InvoiceStatus, LineKind, Payment
from motcua_billing.rating import periods
from motcua_billing.rating.periods import Period
from motcua_billing.rating.services import adjustment, invoice_totals, lease_share, rate
from motcua_billing.usage.models import UsageEvent

LOOKBACK_MONTHS = 12  # late usage older than this is not billed automatically (see docs/billing.md)
BILLED = (InvoiceStatus.FINALIZED, InvoiceStatus.PAID)


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


@dataclass
class RunReport:
    month: dt.date
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    invoice_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "period": f"{self.month:%Y-%m}",
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "invoice_ids": self.invoice_ids,
        }


# -- usage aggregation ---------------------------------------------------------------------------
def _aggregates(
    session: Session, tenant_ids: Iterable[int], period: Period, *, line_id: int | None = None
) -> dict[tuple[int, str], Aggregate]:
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
    if line_id is not None:
        query = query.where(UsageEvent.invoice_line_id == line_id)
    return {(t, m): Aggregate(c, Decimal(s), Decimal(p)) for t, m, c, s, p in session.execute(query)}


def _late_months(session: Session, tenant_ids: Iterable[int], before: dt.date) -> dict[int, set[tuple[str, dt.date]]]:
    """(metric, local month) of unclaimed usage that occurred before ``before``, within the lookback."""
    local_month = func.date_trunc("month", func.timezone("Asia/Ho_Chi_Minh", UsageEvent.occurred_at))
    rows = session.execute(
        select(UsageEvent.tenant_id, UsageEvent.metric_code, local_month)
        .where(
            UsageEvent.tenant_id.in_(list(tenant_ids)),
            UsageEvent.invoice_line_id.is_(None),
            UsageEvent.occurred_at < periods.local_midnight(before),
            UsageEvent.occurred_at >= periods.local_midnight(periods.add_months(before, -LOOKBACK_MONTHS)),
        )
        .group_by(UsageEvent.tenant_id, UsageEvent.metric_code, local_month)
    )
    found: dict[int, set[tuple[str, dt.date]]] = defaultdict(set)
    for tenant_id, metric, month in rows:
        found[tenant_id].add((metric, month.date()))
    return found


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


def _invoice_for(session: Session, tenant_id: int, period_start: dt.date) -> Invoice | None:
    return session.scalar(
        select(Invoice).where(
            Invoice.tenant_id == tenant_id,
            Invoice.period_start == period_start,
            Invoice.status != InvoiceStatus.VOID,
        )
    )


# -- computing lines -----------------------------------------------------------------------------
def _lease_line(contract: Contract, period: Period) -> LineSpec:
    version = price_version_for(contract, period.start)
    year = periods.contract_year(contract.starts_on, period.start)
    amount = lease_share(version.annual_fee_vnd, periods.months_between(year.start, period.start), period.months)
    return LineSpec(
        kind=LineKind.LEASE,
        metric_code=None,
        description=f"Phí thuê dịch vụ một cửa điện tử {period.label_vi()} (hợp đồng {contract.code})",
        service=period,
        quantity=Decimal(period.months),
        included=Decimal(0),
        billable=Decimal(period.months),
        unit="tháng",
        amount=amount,
        event_count=0,
        price_version_id=version.id,
        details={"annual_fee_vnd": version.annual_fee_vnd, "price_version": version.name},
    )


def _usage_line(
    contract: Contract, period: Period, metric: BillableMetric, aggregate: Aggregate, *, kind: str = LineKind.USAGE
) -> LineSpec | None:
    version = price_version_for(contract, period.start)
    charge = next((c for c in version.charges if c.metric_code == metric.code), None)
    if charge is None:
        return None
    spec = charge_spec(charge)
    # The included quota is per billing period (the contract's cadence).
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
        },
    )


def _usage_query(tenant_id: int, metric: str, period: Period) -> dict:
    return {
        "tenant_id": tenant_id,
        "metric_code": metric,
        "occurred_from": period.start_at.isoformat(),
        "occurred_before": period.end_at.isoformat(),
    }


def _adjustment_line(
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
    rated = adjustment(charge_spec(charge), billed_total, billed_amount, new_total)
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
    return periods.period_containing(contract.starts_on, CADENCE_MONTHS[contract.cadence], month)


def _compute_lines(
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
        line = _usage_line(contract, period, metric, usage.get((tenant_id, metric.code), Aggregate()))
        if line is not None:
            lines.append(line)
    for metric_code, earlier in _late_periods(contract, late, period):
        metric = metrics.get(metric_code)
        if metric is None:
            continue
        whole = _aggregates(session, [tenant_id], earlier).get((tenant_id, metric_code), Aggregate())
        unclaimed = session.scalar(
            select(func.count()).where(
                UsageEvent.tenant_id == tenant_id,
                UsageEvent.metric_code == metric_code,
                UsageEvent.invoice_line_id.is_(None),
                UsageEvent.occurred_at >= earlier.start_at,
                UsageEvent.occurred_at < earlier.end_at,
            )
        )
        line = _adjustment_line(
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


SIX_PLACES = Decimal("0.000001")


def _q(value: Decimal) -> Decimal:
    """As the column stores it (Numeric(20, 6)), so fresh and re-read values compare and print alike."""
    return Decimal(value).quantize(SIX_PLACES)


def _write_lines(session: Session, invoice: Invoice, lines: list[LineSpec], vat_rate: Decimal) -> None:
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


# -- the run -------------------------------------------------------------------------------------
BILLED_TENANTS = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)


def ensure_month_over(month: dt.date, now: dt.datetime | None = None) -> None:
    """A month is billed in arrears: refuse a run before its last day has ended in Hà Nội (its usage is
    still coming in, and a draft for it would bill a part of the month as if it were the whole)."""
    now = now or utcnow()
    ends_at = periods.local_midnight(periods.add_months(month, 1))
    if now < ends_at:
        raise InvalidInput(
            f"{month:%Y-%m} has not ended; it can be billed from {ends_at:%Y-%m-%d %H:%M} (Asia/Ho_Chi_Minh).",
            {"period": ["The month has not ended yet."]},
        )


def _not_in_force(contracts: list[Contract], month: dt.date) -> str:
    """Why none of a tenant's contracts bills ``month``."""
    if not contracts:
        return "no contract"
    terms = "; ".join(
        f"{c.code}: {c.starts_on:%Y-%m-%d} – {c.ends_on:%Y-%m-%d}" + ("" if c.status == "active" else f", {c.status}")
        for c in sorted(contracts, key=lambda c: c.starts_on)
    )
    return f"no contract in force in {month:%Y-%m} ({terms})"


def run_period(
    session: Session, actor: Actor, month: dt.date, *, vat_rate: Decimal, now: dt.datetime | None = None
) -> RunReport:
    """Rate every tenant with a billing period closing in ``month``, and say why each other active or
    suspended tenant is not billed. Idempotent; the caller commits."""
    ensure_month_over(month, now)
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('motcua-billing-run'))"))
    report = RunReport(month)
    metrics = {m.code: m for m in session.scalars(select(BillableMetric))}
    tenants = session.execute(
        select(Tenant.id, Tenant.slug).where(Tenant.status.in_(BILLED_TENANTS)).order_by(Tenant.slug)
    ).all()
    contracts_of: dict[int, list[Contract]] = defaultdict(list)
    for contract in session.scalars(select(Contract).where(Contract.tenant_id.in_([t for t, _ in tenants]))):
        contracts_of[contract.tenant_id].append(contract)
    rows = []
    for tenant_id, slug in tenants:
        in_force = [
            c for c in contracts_of[tenant_id] if c.status == "active" and c.starts_on <= month and c.ends_on >= month
        ]
        if in_force:
            rows.append((in_force[0], slug))  # terms of one tenant never overlap
        else:
            report.skipped[slug] = _not_in_force(contracts_of[tenant_id], month)
    by_period: dict[Period, list[tuple[Contract, str]]] = defaultdict(list)
    for contract, slug in rows:
        period = periods.billing_period(contract.starts_on, CADENCE_MONTHS[contract.cadence], month)
        if period is None:
            report.skipped[slug] = (
                f"the {contract.cadence} period of contract {contract.code} does not close this month"
            )
            continue
        by_period[period].append((contract, slug))
    for period, contracts in by_period.items():
        tenant_ids = [c.tenant_id for c, _ in contracts]
        usage = _aggregates(session, tenant_ids, period)
        late = _late_months(session, tenant_ids, period.start)
        for contract, slug in contracts:
            invoice = _invoice_for(session, contract.tenant_id, period.start)
            if invoice is not None and invoice.status != InvoiceStatus.DRAFT:
                report.skipped[slug] = f"invoice {invoice.display_number} for {period.key} is already {invoice.status}"
                continue
            lines = _compute_lines(session, contract, period, metrics, usage, late.get(contract.tenant_id, set()))
            if invoice is None:
                invoice = Invoice(
                    tenant_id=contract.tenant_id,
                    contract_id=contract.id,
                    period_start=period.start,
                    period_end=period.end,
                    vat_rate=vat_rate,
                )
                session.add(invoice)
                _write_lines(session, invoice, lines, vat_rate)
                report.created.append(slug)
            elif (
                _normalise(_existing_signature(invoice)) != _normalise([s.signature() for s in lines])
                or invoice.vat_rate != vat_rate
            ):
                _write_lines(session, invoice, lines, vat_rate)
                report.updated.append(slug)
            else:
                report.unchanged.append(slug)
            report.invoice_ids.append(invoice.id)
    if report.created or report.updated:
        record(
            session,
            actor,
            "billing.run",
            target=f"period:{month:%Y-%m}",
            created=report.created,
            updated=report.updated,
            unchanged=len(report.unchanged),
        )
    return report


# -- lifecycle -----------------------------------------------------------------------------------
def get_invoice(session: Session, invoice_id: int, *, tenant_id: int | None = None, lock: bool = False) -> Invoice:
    query = select(Invoice).where(Invoice.id == invoice_id)
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    if lock:
        query = query.with_for_update()
    invoice = session.scalar(query)
    if invoice is None:
        raise NotFound(f"No invoice {invoice_id}.")
    return invoice


def list_invoices(
    session: Session,
    *,
    tenant_id: int | None = None,
    status: str | None = None,
    period: dt.date | None = None,
):
    query = select(Invoice).order_by(Invoice.period_start.desc(), Invoice.id.desc())
    if tenant_id is not None:
        query = query.where(Invoice.tenant_id == tenant_id)
    if status:
        query = query.where(Invoice.status == status)
    if period is not None:
        query = query.where(Invoice.period_start <= period, Invoice.period_end > period)
    return query


def _slug(session: Session, tenant_id: int) -> str:
    return session.scalar(select(Tenant.slug).where(Tenant.id == tenant_id))


def _claim(session: Session, line: InvoiceLine, tenant_id: int) -> None:
    session.execute(
        update(UsageEvent)
        .where(
            UsageEvent.tenant_id == tenant_id,
            UsageEvent.metric_code == line.metric_code,
            UsageEvent.invoice_line_id.is_(None),
            UsageEvent.occurred_at >= periods.local_midnight(line.service_start),
            UsageEvent.occurred_at < periods.local_midnight(line.service_end),
        )
        .values(invoice_line_id=line.id)
    )


def _claimed_total(session: Session, tenant_id: int, metric: BillableMetric, period: Period) -> Aggregate:
    """Everything claimed for a metric's period by finalized lines (plus those being finalized now)."""
    row = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(UsageEvent.quantity), 0),
            func.coalesce(func.max(UsageEvent.quantity), 0),
        ).where(
            UsageEvent.tenant_id == tenant_id,
            UsageEvent.metric_code == metric.code,
            UsageEvent.invoice_line_id.is_not(None),
            UsageEvent.occurred_at >= period.start_at,
            UsageEvent.occurred_at < period.end_at,
        )
    ).one()
    return Aggregate(row[0], Decimal(row[1]), Decimal(row[2]))


def finalize(session: Session, actor: Actor, invoice_id: int, *, now: dt.datetime | None = None) -> Invoice:
    """Recompute a draft while claiming its usage, number it and freeze it. All or nothing."""
    invoice = get_invoice(session, invoice_id, lock=True)
    if invoice.status != InvoiceStatus.DRAFT:
        raise Conflict(
            f"Invoice {invoice.display_number or invoice.id} is {invoice.status}; only a draft can be finalized."
        )
    contract = session.get(Contract, invoice.contract_id)
    metrics = {m.code: m for m in session.scalars(select(BillableMetric))}
    period = Period(invoice.period_start, invoice.period_end)
    tenant_id = invoice.tenant_id
    # Recompute from the ledger as it is now, then claim and re-aggregate what was claimed (exact even if
    # usage is being written while we finalize: what is not claimed here will be billed later).
    lines = _compute_lines(
        session,
        contract,
        period,
        metrics,
        _aggregates(session, [tenant_id], period),
        _late_months(session, [tenant_id], period.start).get(tenant_id, set()),
    )
    _write_lines(session, invoice, lines, invoice.vat_rate)
    for line in invoice.lines:
        if line.kind == LineKind.LEASE:
            continue
        _claim(session, line, tenant_id)
        metric = metrics[line.metric_code]
        service = Period(line.service_start, line.service_end)
        if line.kind == LineKind.USAGE:
            claimed = _aggregates(session, [tenant_id], service, line_id=line.id).get(
                (tenant_id, metric.code), Aggregate()
            )
            spec = _usage_line(contract, service, metric, claimed)
        else:
            claimed_now = session.scalar(select(func.count()).where(UsageEvent.invoice_line_id == line.id))
            whole = _claimed_total(session, tenant_id, metric, service)
            spec = _adjustment_line(
                session, contract, tenant_id, metric, service, whole.value(metric.aggregation), claimed_now
            )
        if spec is None:
            continue
        line.quantity, line.included_quantity, line.billable_quantity = (
            _q(spec.quantity),
            _q(spec.included),
            _q(spec.billable),
        )
        line.amount_vnd, line.event_count, line.details = spec.amount, spec.event_count, spec.details
    invoice.subtotal_vnd, invoice.vat_vnd, invoice.total_vnd = invoice_totals(
        [line.amount_vnd for line in invoice.lines], invoice.vat_rate
    )
    now = now or utcnow()
    year = now.astimezone(periods.VN).year
    session.execute(insert(InvoiceCounter).values(year=year, last_number=0).on_conflict_do_nothing())
    counter = session.get(InvoiceCounter, year, with_for_update=True, populate_existing=True)
    counter.last_number += 1
    invoice.number_year, invoice.number = year, counter.last_number
    invoice.status = InvoiceStatus.FINALIZED
    invoice.finalized_at = now
    session.flush()
    record(
        session,
        actor,
        "billing.invoice_finalize",
        target=f"invoice:{invoice.id}",
        tenant_slug=_slug(session, tenant_id),
        number=invoice.display_number,
        total_vnd=invoice.total_vnd,
    )
    from motcua_billing.payments.services import apply_pending

    apply_pending(session, invoice)  # a provider's payment event that overtook the finalization
    return invoice


def void(session: Session, actor: Actor, invoice_id: int, reason: str) -> Invoice:
    """Void a draft or an unpaid finalized invoice. Its number stays used (no gaps); its usage is released
    so that re-running the period bills it again on a replacement invoice."""
    from motcua_billing.usage.services import release_claims

    if not (reason or "").strip():
        raise InvalidInput("Say why the invoice is voided.", {"reason": ["A reason is required."]})
    invoice = get_invoice(session, invoice_id, lock=True)
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict(f"Invoice {invoice.display_number or invoice.id} is already void.")
    if invoice.status == InvoiceStatus.PAID or invoice.amount_paid_vnd > 0:
        raise Conflict(
            f"Invoice {invoice.display_number} has payments; refund them before voiding (a paid invoice is final)."
        )
    adjusted_by = session.scalar(
        select(Invoice)
        .join(InvoiceLine)
        .where(
            Invoice.tenant_id == invoice.tenant_id,
            Invoice.id != invoice.id,
            Invoice.status.in_(BILLED),
            InvoiceLine.kind == LineKind.ADJUSTMENT,
            InvoiceLine.service_start >= invoice.period_start,
            InvoiceLine.service_start < invoice.period_end,
        )
        .limit(1)
    )
    if adjusted_by is not None:
        raise Conflict(
            f"Invoice {adjusted_by.display_number} adjusts this period for late usage; a replacement would bill "
            "that usage twice. Settle it with an adjustment instead of voiding."
        )
    released = release_claims(session, [line.id for line in invoice.lines])
    invoice.status = InvoiceStatus.VOID
    invoice.voided_at = utcnow()
    invoice.void_reason = reason.strip()
    session.flush()
    record(
        session,
        actor,
        "billing.invoice_void",
        target=f"invoice:{invoice.id}",
        tenant_slug=_slug(session, invoice.tenant_id),
        number=invoice.display_number,
        reason=invoice.void_reason,
        released_events=released,
    )
    return invoice


def record_payment(
    session: Session,
    actor: Actor,
    invoice_id: int,
    *,
    amount_vnd: int,
    reference: str,
    method: str = "bank_transfer",
    paid_at: dt.datetime | None = None,
) -> Payment:
    """Record money received against a finalized invoice; it becomes paid when fully covered."""
    invoice = get_invoice(session, invoice_id, lock=True)
    label = invoice.display_number or str(invoice.id)
    if invoice.status == InvoiceStatus.VOID:
        raise Conflict(f"Invoice {label} is void; a void invoice cannot be paid.")
    if invoice.status == InvoiceStatus.DRAFT:
        raise Conflict(f"Invoice {label} is a draft; finalize it before recording a payment.")
    if invoice.status == InvoiceStatus.PAID:
        raise Conflict(f"Invoice {label} is already paid.")
    errors = {}
    if isinstance(amount_vnd, bool) or not isinstance(amount_vnd, int) or amount_vnd <= 0:
        errors["amount_vnd"] = ["The amount is a whole number of đồng above 0."]
    elif amount_vnd > invoice.amount_due_vnd:
        errors["amount_vnd"] = [f"Only {invoice.amount_due_vnd} đồng are due on invoice {label}."]
    if not (reference or "").strip():
        errors["reference"] = ["The bank or provider reference is required."]
    if errors:
        raise InvalidInput("The payment was not recorded.", errors)
    exists = session.scalar(select(Payment.id).where(Payment.method == method, Payment.reference == reference.strip()))
    if exists is not None:
        raise Conflict(f"A {method} payment with reference '{reference}' is already recorded.")
    payment = Payment(
        invoice_id=invoice.id,
        amount_vnd=amount_vnd,
        method=method,
        reference=reference.strip(),
        paid_at=paid_at or utcnow(),
        recorded_by=str(actor),
    )
    session.add(payment)
    invoice.amount_paid_vnd += amount_vnd
    if invoice.amount_paid_vnd >= invoice.total_vnd:
        invoice.status = InvoiceStatus.PAID
        invoice.paid_at = payment.paid_at
    session.flush()
    record(
        session,
        actor,
        "billing.payment_record",
        target=f"invoice:{invoice.id}",
        tenant_slug=_slug(session, invoice.tenant_id),
        number=invoice.display_number,
        amount_vnd=amount_vnd,
        method=method,
        reference=payment.reference,
        status=invoice.status,
    )
    return payment


def line_usage_query(session: Session, line: InvoiceLine):
    """The usage events a line counts: those it claimed once finalized; the live query while a draft."""
    invoice = line.invoice
    if line.metric_code is None:
        return None
    query = select(UsageEvent).order_by(UsageEvent.occurred_at, UsageEvent.id)
    if invoice.status in BILLED:
        return query.where(UsageEvent.invoice_line_id == line.id)
    conditions = [
        UsageEvent.tenant_id == invoice.tenant_id,
        UsageEvent.metric_code == line.metric_code,
        UsageEvent.occurred_at >= periods.local_midnight(line.service_start),
        UsageEvent.occurred_at < periods.local_midnight(line.service_end),
    ]
    if line.kind == LineKind.ADJUSTMENT:
        conditions.append(UsageEvent.invoice_line_id.is_(None))
    return query.where(and_(*conditions))


def invoice_pdf(session: Session, invoice: Invoice, config) -> bytes:
    """The invoice as a Vietnamese PDF, with the province's billing account as buyer and the vendor from
    the configuration as seller (one place for the API and the CLI)."""
    from motcua_billing.catalog.services import get_account
    from motcua_billing.invoices import documents

    tenant = session.get(Tenant, invoice.tenant_id)
    account = get_account(session, invoice.tenant_id)
    buyer = {
        "name": account.legal_name if account else f"UBND {tenant.name}",
        "tax_code": account.tax_code if account else None,
        "address": account.address if account else None,
    }
    seller = {
        "name": config.billing_seller_name,
        "tax_code": config.billing_seller_tax_code,
        "bank": config.billing_bank_account,
    }
    return documents.render_pdf(invoice, seller=seller, buyer=buyer, font=find_font(config.pdf_font))
