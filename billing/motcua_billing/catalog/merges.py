"""Billing's part of a merge (``signals.tenant_merging``; ADR 0060): the source province's contracts end the
day before it joins the target, and the period that day falls in is billed only for the days the contract
covered (``invoices.lines``, ``rating.services.prorate``).

A contract keeps its status ``active`` when its term is cut short: ``ends_on`` alone says when it stops, and
the invoice run still bills its last, partial period. A contract that would only have begun on or after the
merge is ``terminated`` (it never runs). Each change is audited with the contract's old and new terms.
Drafts already made for periods that begin on or after the merge are voided (audited, their usage released):
the contract no longer covers them, and finalizing one would bill its usage with no quota and no lease.
"""

from __future__ import annotations

import datetime as dt

from motcua_platform.audit.services import Actor, record
from motcua_platform.directory.models import Tenant
from motcua_platform.errors import Conflict
from motcua_platform.i18n import _
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_billing.catalog.models import Contract
from motcua_billing.invoices.models import BILLED, Invoice, InvoiceStatus


def end_contracts_at_merge(session: Session, *, source: Tenant, target: Tenant, on: dt.date, actor: Actor) -> None:
    """Receiver of ``signals.tenant_merging``: end ``source``'s contracts on ``on`` - 1 day."""
    last_day = on - dt.timedelta(days=1)
    billed = session.scalar(
        select(Invoice)
        .where(Invoice.tenant_id == source.id, Invoice.status.in_(BILLED), Invoice.period_end > on)
        .order_by(Invoice.period_start)
        .limit(1)
    )
    if billed is not None:
        # A finalized invoice is never re-rated: ending the contract inside its period would leave it
        # billing days the province no longer had. Its correction (a credit note) comes first.
        raise Conflict(
            _(
                "Tenant '%(slug)s' has invoice %(number)s finalized for %(start)s – %(end)s, after the merge "
                "date %(on)s; credit it before merging.",
                slug=source.slug,
                number=billed.display_number,
                start=billed.period_start,
                end=billed.period_end - dt.timedelta(days=1),
                on=on,
            )
        )
    contracts = session.scalars(
        select(Contract)
        .where(Contract.tenant_id == source.id, Contract.status == "active", Contract.ends_on >= on)
        .order_by(Contract.starts_on)
        .with_for_update()
    )
    for contract in contracts:
        old_ends_on = contract.ends_on
        if contract.starts_on >= last_day:
            # It would begin on or after the merge (or cover a single day, which a term cannot): it never runs.
            contract.status = "terminated"
        else:
            contract.ends_on = last_day
        record(
            session, actor, "billing.contract_ended_by_merge", target=f"contract:{contract.code}",
            tenant_slug=source.slug, contract=contract.code, merged_into=target.slug, merged_on=on.isoformat(),
            old_ends_on=old_ends_on.isoformat(), ends_on=contract.ends_on.isoformat(), status=contract.status,
        )  # fmt: skip
    session.flush()
    drafts = session.scalars(
        select(Invoice.id)
        .where(Invoice.tenant_id == source.id, Invoice.status == InvoiceStatus.DRAFT, Invoice.period_start >= on)
        .order_by(Invoice.period_start)
    ).all()
    # imported here: the lifecycle pulls in the payments' schemas, whose messages need the installed areas, and
    # this module is imported by billing's wiring while the areas are being installed
    from motcua_billing.invoices import lifecycle

    for invoice_id in drafts:
        reason = _("Tenant %(slug)s merged into %(target)s from %(on)s.", slug=source.slug, target=target.slug, on=on)
        lifecycle.void(session, actor, invoice_id, str(reason))
