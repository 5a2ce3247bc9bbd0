"""Reconciliation: each online order of a period as we recorded it, beside what the gateway says of it (its
query API), and the differences. The gateway is asked order by order; a difference is listed for finance
to act on, never corrected here by itself (a lost notification is recorded by ``settle_from_gateway``, a
finance officer's decision)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.audit.services import Actor
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.i18n import _
from motcua_platform.tenant_context import TenantContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.payments import services
from motcua_onestop.payments import settings as merchant
from motcua_onestop.payments.gateway import GatewayUnavailable, Outcome
from motcua_onestop.payments.models import Method, Payment, PaymentState

# the kinds of difference
PAID_HERE_ONLY = "paid_here_only"  # we recorded a payment the gateway does not confirm
PAID_THERE_ONLY = "paid_there_only"  # the gateway took money we have not recorded (a lost notification)
AMOUNT = "amount"  # both say paid, not the same amount
TRANSACTION = "transaction"  # both say paid, not the same gateway transaction
UNKNOWN_THERE = "unknown_there"  # the gateway has no such order, but we recorded it paid
UNANSWERED = "unanswered"  # the gateway could not be asked


@dataclass(frozen=True)
class Line:
    payment_id: int
    dossier_code: str
    order_ref: str
    amount: int
    state: str
    gateway_txn: str | None
    gateway_paid: bool | None
    gateway_amount: int | None
    gateway_txn_there: str | None
    problem: str | None


def _problem(payment: Payment, there: Outcome | None) -> str | None:
    ours_paid = payment.state in (PaymentState.PAID, PaymentState.REFUNDED)
    if there is None:
        return UNKNOWN_THERE if ours_paid else None
    if ours_paid and not there.succeeded:
        return PAID_HERE_ONLY
    if there.succeeded and not ours_paid:
        return PAID_THERE_ONLY
    if ours_paid and there.amount != payment.amount:
        return AMOUNT
    if ours_paid and there.gateway_txn != payment.gateway_txn:
        return TRANSACTION
    return None


MAX_ORDERS = 300


def reconcile(
    session: Session, since: dt.datetime, until: dt.datetime, *, now: dt.datetime | None = None
) -> list[Line]:
    """Every online order made from ``since`` to before ``until``, compared with the gateway, oldest first."""
    now = now or utcnow()
    gateway = merchant.gateway_for(merchant.current(session))
    if gateway is None:
        raise Conflict(_("This province does not take payments online."))
    query = (
        select(Payment, Dossier.code)
        .join(Dossier, Dossier.id == Payment.dossier_id)
        .where(Payment.method == Method.ONLINE, Payment.created_at >= since, Payment.created_at < until)
        .order_by(Payment.created_at, Payment.id)
    )
    orders = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if orders > MAX_ORDERS:
        # one query to the gateway per order, each up to its timeout, inside the request: a bounded number
        raise InvalidInput(
            _(
                "The period has %(count)s online orders; reconcile at most %(limit)s at a time: "
                "choose a shorter period.",
                count=orders,
                limit=MAX_ORDERS,
            )
        )
    lines = []
    for payment, code in session.execute(query):
        try:
            there = gateway.query(services.order_of(payment, code), client_ip="127.0.0.1", now=now)
            problem = _problem(payment, there)
        except GatewayUnavailable:
            there, problem = None, UNANSWERED
        lines.append(
            Line(
                payment.id,
                code,
                payment.order_ref,
                payment.amount,
                payment.state,
                payment.gateway_txn,
                None if there is None else there.succeeded,
                None if there is None else there.amount,
                None if there is None else there.gateway_txn,
                problem,
            )
        )
    return lines


def settle_from_gateway(
    session: Session, actor: Actor, payment_id: int, *, tenant: TenantContext, now: dt.datetime | None = None
) -> Payment:
    """Record an online payment the gateway confirms (its query: succeeded, the order's amount) when its
    notification never arrived. Conflict unless the order is still pending or failed here and paid there."""
    now = now or utcnow()
    payment, dossier = services.lock(session, services.find(session, payment_id).id)
    gateway = merchant.gateway_for(merchant.current(session))
    if (
        gateway is None
        or payment.method != Method.ONLINE
        or payment.state not in (PaymentState.PENDING, PaymentState.FAILED)
    ):
        raise Conflict(_("Payment %(id)s cannot be settled from the gateway.", id=payment.id))
    try:
        there = gateway.query(services.order_of(payment, dossier.code), client_ip="127.0.0.1", now=now)
    except GatewayUnavailable as error:
        raise Conflict(_("The gateway did not answer: %(error)s", error=str(error))) from None
    if there is None or not there.succeeded or there.amount != payment.amount or not there.gateway_txn:
        raise Conflict(_("The gateway does not confirm payment %(id)s.", id=payment.id))
    if session.scalar(select(Payment.id).where(Payment.gateway_txn == there.gateway_txn)) is not None:
        raise Conflict(_("The gateway's transaction is recorded on another payment."))
    payment.gateway_txn, payment.bank_code, payment.gateway_code = (
        there.gateway_txn,
        there.bank_code,
        there.response_code,
    )
    services.settle(session, actor, payment, dossier, tenant=tenant, now=now)
    session.flush()
    return payment
