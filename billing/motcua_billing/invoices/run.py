"""The invoice run: ``run_period`` rates every tenant whose contract has a billing period closing in the given
month. It creates a draft, or recomputes an existing draft; a run that finds nothing new changes nothing.
Finalized periods are never re-rated. Months are billed in arrears, once they have ended in Hà Nội."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from motcua_platform.audit.services import Actor, record
from motcua_platform.dates import add_months
from motcua_platform.db.base import utcnow
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from motcua_billing.catalog.models import CADENCE_MONTHS, BillableMetric, Contract
from motcua_billing.invoices.lines import (
    aggregate_usage,
    compute_lines,
    late_usage_months,
    lines_differ,
    write_lines,
)
from motcua_billing.invoices.models import Invoice, InvoiceStatus
from motcua_billing.rating import periods
from motcua_billing.rating.periods import Period
from motcua_billing.rating.services import invoice_totals

BILLED_TENANTS = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)
# A merged tenant is billed while a contract of it is in force (its last, prorated period) and is otherwise
# left out of the run silently: it has gone into another province, "no contract" is no news (ADR 0060).
BILLED_WHILE_IN_FORCE = (TenantStatus.MERGED,)


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


def ensure_month_over(month: dt.date, now: dt.datetime | None = None) -> None:
    """A month is billed in arrears: refuse a run before its last day has ended in Hà Nội (its usage is
    still coming in, and a draft for it would bill a part of the month as if it were the whole)."""
    now = now or utcnow()
    ends_at = periods.local_midnight(add_months(month, 1))
    if now < ends_at:
        raise InvalidInput(
            _(
                "%(month)s has not ended; it can be billed from %(ends_at)s (Asia/Ho_Chi_Minh).",
                month=format(month, "%Y-%m"),
                ends_at=format(ends_at, "%Y-%m-%d %H:%M"),
            ),
            {"period": [_("The month has not ended yet.")]},
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


def _invoice_for(session: Session, tenant_id: int, period_start: dt.date) -> Invoice | None:
    return session.scalar(
        select(Invoice).where(
            Invoice.tenant_id == tenant_id,
            Invoice.period_start == period_start,
            Invoice.status != InvoiceStatus.VOID,
        )
    )


@dataclass
class Planned:
    """What the run would bill one tenant: its contract, period, current invoice (None, or a draft) and
    lines."""

    contract: Contract
    slug: str
    period: Period
    invoice: Invoice | None
    lines: list


def _plan(session: Session, month: dt.date, skipped: dict[str, str]) -> list[Planned]:
    """Every tenant with a billing period closing in ``month`` and the lines it would be billed; each
    other active or suspended tenant goes into ``skipped`` with the reason (a merged one only while a
    contract of it is in force). Reads only."""
    metrics = {m.code: m for m in session.scalars(select(BillableMetric))}
    tenants = session.execute(
        select(Tenant.id, Tenant.slug, Tenant.status)
        .where(Tenant.status.in_(BILLED_TENANTS + BILLED_WHILE_IN_FORCE))
        .order_by(Tenant.slug)
    ).all()
    contracts_of: dict[int, list[Contract]] = defaultdict(list)
    for contract in session.scalars(select(Contract).where(Contract.tenant_id.in_([t.id for t in tenants]))):
        contracts_of[contract.tenant_id].append(contract)
    rows = []
    for tenant_id, slug, status in tenants:
        # in force for some day of the month (a term may start or, cut short by a merge, end inside it)
        in_force = [
            c
            for c in contracts_of[tenant_id]
            if c.status == "active" and c.starts_on.replace(day=1) <= month and c.ends_on >= month
        ]
        if in_force:
            rows.append((in_force[0], slug))  # terms of one tenant never overlap
        elif status not in BILLED_WHILE_IN_FORCE:
            skipped[slug] = _not_in_force(contracts_of[tenant_id], month)
    by_period: dict[Period, list[tuple[Contract, str]]] = defaultdict(list)
    for contract, slug in rows:
        period = periods.closing_period(contract.starts_on, contract.ends_on, CADENCE_MONTHS[contract.cadence], month)
        if period is None:
            skipped[slug] = f"the {contract.cadence} period of contract {contract.code} does not close this month"
            continue
        by_period[period].append((contract, slug))
    planned = []
    for period, contracts in by_period.items():
        tenant_ids = [c.tenant_id for c, _ in contracts]
        usage = aggregate_usage(session, tenant_ids, period)
        late = late_usage_months(session, tenant_ids, period.start)
        for contract, slug in contracts:
            invoice = _invoice_for(session, contract.tenant_id, period.start)
            if invoice is not None and invoice.status != InvoiceStatus.DRAFT:
                skipped[slug] = f"invoice {invoice.display_number} for {period.key} is already {invoice.status}"
                continue
            lines = compute_lines(session, contract, period, metrics, usage, late.get(contract.tenant_id, set()))
            planned.append(Planned(contract, slug, period, invoice, lines))
    return planned


def run_period(
    session: Session, actor: Actor, month: dt.date, *, vat_rate: Decimal, now: dt.datetime | None = None
) -> RunReport:
    """Rate every tenant with a billing period closing in ``month``, and say why each other active or
    suspended tenant is not billed. Idempotent; the caller commits."""
    ensure_month_over(month, now)
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('motcua-billing-run'))"))
    report = RunReport(month)
    for plan in _plan(session, month, report.skipped):
        contract, slug, period, invoice, lines = plan.contract, plan.slug, plan.period, plan.invoice, plan.lines
        if invoice is None:
            invoice = Invoice(
                tenant_id=contract.tenant_id,
                contract_id=contract.id,
                period_start=period.start,
                period_end=period.end,
                vat_rate=vat_rate,
            )
            session.add(invoice)
            write_lines(session, invoice, lines, vat_rate)
            report.created.append(slug)
        elif lines_differ(invoice, lines) or invoice.vat_rate != vat_rate:
            write_lines(session, invoice, lines, vat_rate)
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


def preview_period(session: Session, month: dt.date, *, vat_rate: Decimal, now: dt.datetime | None = None) -> dict:
    """What ``run_period`` would bill for ``month``, written nowhere: per tenant its draft lines and totals
    (``change``: new, update or unchanged against its current draft), the tenants skipped and why, and the
    totals of the run. Usage still in the tenants' outboxes counts once the run has drained it.

    A month that has not ended yet is previewed too, as it stands so far (``month_to_date``; its drafts can
    be made from ``billable_from``); one that has not begun is refused."""
    now = now or utcnow()
    billable_from = periods.local_midnight(add_months(month, 1))
    if now < periods.local_midnight(month):
        raise InvalidInput(
            _("%(month)s has not begun; there is nothing to preview.", month=format(month, "%Y-%m")),
            {"period": [_("The month has not begun yet.")]},
        )
    skipped: dict[str, str] = {}
    invoices = []
    for plan in _plan(session, month, skipped):
        subtotal, vat, total = invoice_totals([line.amount for line in plan.lines], vat_rate)
        if plan.invoice is None:
            change = "new"
        elif lines_differ(plan.invoice, plan.lines) or plan.invoice.vat_rate != vat_rate:
            change = "update"
        else:
            change = "unchanged"
        invoices.append(
            {
                "tenant": plan.slug,
                "contract": plan.contract.code,
                "period_start": plan.period.start,
                "period_end": plan.period.end,
                "change": change,
                "draft_id": plan.invoice.id if plan.invoice is not None else None,
                "lines": [
                    {
                        "position": position,
                        "kind": line.kind,
                        "metric_code": line.metric_code,
                        "description": line.description,
                        "service_start": line.service.start,
                        "service_end": line.service.end,
                        "quantity": line.quantity,
                        "included_quantity": line.included,
                        "billable_quantity": line.billable,
                        "unit": line.unit,
                        "amount_vnd": line.amount,
                        "event_count": line.event_count,
                    }
                    for position, line in enumerate(plan.lines, start=1)
                ],
                "subtotal_vnd": subtotal,
                "vat_rate": vat_rate,
                "vat_vnd": vat,
                "total_vnd": total,
            }
        )
    totals = {key: sum(i[key] for i in invoices) for key in ("subtotal_vnd", "vat_vnd", "total_vnd")}
    return {
        "period": f"{month:%Y-%m}",
        "month_to_date": now < billable_from,
        "billable_from": billable_from,
        "invoices": invoices,
        "skipped": skipped,
        "totals": totals,
    }
