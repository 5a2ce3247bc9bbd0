"""Paying a dossier's fees: when they are due, an online payment through the province's gateway, the
gateway's notification (the one authority on an online payment), the browser's return (shown, never
recorded), and cash or a bank transfer taken at the counter. ADR 0047. No Flask here: callers pass the
tenant's session and context and commit once.

When the fees are due, per procedure: a fully online (toàn trình) procedure's dossier is paid when it is
submitted, before intake (status 1; once the province takes payments online, the officer cannot receive it
unpaid: ``require_paid_before_intake``); any other dossier is paid before its result, when the officer asks
for the payment (status 6). A dossier paid in status 6 goes back to processing (4) by itself.

A notification is refused with nothing recorded when its signature is not the province's (97), its order is
unknown (01), its amount is not the order's (04), or the order was settled already (02: a replay, or a late
notification of another outcome, which never undoes a payment)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

import structlog
from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.tenant_context import TenantContext
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers import history as history_log
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers import versions
from motcua_onestop.dossiers.models import Channel, Dossier, Status
from motcua_onestop.payments import settings as merchant
from motcua_onestop.payments.gateway import BadSignature, Order, Outcome
from motcua_onestop.payments.models import Method, Payment, PaymentState

log = structlog.get_logger(__name__)

GATEWAY_ACTOR = Actor("system", None, "payment-gateway")
BEFORE_INTAKE, BEFORE_RESULT = "intake", "result"
# what the gateway's notification is answered (VNPAY's IPN codes)
CONFIRMED = ("00", "Confirm Success")
ORDER_NOT_FOUND = ("01", "Order not found")
ALREADY_CONFIRMED = ("02", "Order already confirmed")
INVALID_AMOUNT = ("04", "Invalid amount")
INVALID_SIGNATURE = ("97", "Invalid signature")
UNKNOWN_ERROR = ("99", "Unknow error")  # the protocol's own spelling
COUNTER_METHODS = (Method.CASH, Method.TRANSFER)
REFERENCE_MAX = 100


def due_stage(procedure: Procedure) -> str:
    """When a procedure's fees are paid: before intake for a fully online procedure (the whole service is
    online, payment included), before the result for any other."""
    return BEFORE_INTAKE if procedure.online_mode == "full" else BEFORE_RESULT


def payments_of(session: Session, dossier: Dossier) -> list[Payment]:
    return list(session.scalars(select(Payment).where(Payment.dossier_id == dossier.id).order_by(Payment.id)))


def paid(session: Session, dossier: Dossier) -> Payment | None:
    """The payment that settled the dossier's fees (the first paid one), or None."""
    query = select(Payment).where(Payment.dossier_id == dossier.id, Payment.state == PaymentState.PAID)
    return session.scalar(query.order_by(Payment.paid_at, Payment.id).limit(1))


def outstanding(session: Session, dossier: Dossier) -> int:
    """What the applicant still owes: the dossier's fees while none is paid (no partial payments)."""
    return 0 if dossier.total_fee <= 0 or paid(session, dossier) is not None else dossier.total_fee


def payable_now(session: Session, dossier: Dossier) -> bool:
    """Whether the dossier's fees are due now: owed, and in status 6, or in status 1 under a fully online
    procedure."""
    if outstanding(session, dossier) == 0:
        return False
    if dossier.status == Status.PAYMENT:
        return True
    stage = due_stage(dossiers.procedure_of(session, dossier))
    return dossier.status == Status.SUBMITTED and stage == BEFORE_INTAKE


def can_pay_online(session: Session, dossier: Dossier) -> bool:
    return payable_now(session, dossier) and merchant.gateway_for(merchant.current(session)) is not None


def order_of(payment: Payment, dossier_code: str) -> Order:
    # ASCII without accents: gateways print it on bank statements
    return Order(payment.order_ref, payment.amount, f"Thanh toan phi ho so {dossier_code}", payment.created_at)


# -- online ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Started:
    payment: Payment
    url: str


def start_online(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    *,
    return_url: str,
    client_ip: str,
    locale: str,
    now: dt.datetime | None = None,
) -> Started:
    """A new online order for the dossier's fees (``dossier`` loaded with ``lock=True``) and the gateway
    address to send the payer to. Conflict unless the fees are due now and the province takes payments
    online. Each attempt is an order of its own (a gateway takes each reference once); an order abandoned
    stays pending and is never paid."""
    now = now or utcnow()
    gateway = merchant.gateway_for(merchant.current(session))
    if gateway is None:
        raise Conflict(_("This province does not take payments online; pay at the office."))
    if not payable_now(session, dossier):
        raise Conflict(_("Dossier %(code)s has no fee to pay now.", code=dossier.code))
    payment = Payment(
        dossier_id=dossier.id,
        amount=dossier.total_fee,
        method=Method.ONLINE,
        state=PaymentState.PENDING,
        order_ref=secrets.token_hex(10).upper(),
        created_at=now.replace(microsecond=0),  # the gateway knows the order's time to the second
    )
    session.add(payment)
    session.flush()
    record(
        session,
        actor,
        "payment.start",
        target=f"dossier:{dossier.code}",
        payment=payment.id,
        order_ref=payment.order_ref,
        amount=payment.amount,
    )
    url = gateway.payment_url(
        order_of(payment, dossier.code), return_url=return_url, client_ip=client_ip, locale=locale
    )
    return Started(payment, url)


def lock(session: Session, payment_id: int) -> tuple[Payment, Dossier]:
    """The payment and its dossier, locked dossier first (the order every payment change takes), read
    afresh once locked: a copy loaded before the lock (``find``) may have been changed meanwhile by the
    transaction the lock waited for."""
    dossier_id = session.scalar(select(Payment.dossier_id).where(Payment.id == payment_id))
    fresh = {"populate_existing": True}
    dossier = session.scalar(
        select(Dossier).where(Dossier.id == dossier_id).with_for_update().execution_options(**fresh)
    )
    payment = session.scalar(
        select(Payment).where(Payment.id == payment_id).with_for_update().execution_options(**fresh)
    )
    return payment, dossier


def notify(
    session: Session, fields: dict[str, str], *, tenant: TenantContext, now: dt.datetime | None = None
) -> tuple[str, str]:
    """The gateway's server-to-server notification of an order's outcome: the one thing that records an
    online payment. Returns the (code, message) to answer. Each refusal writes nothing."""
    now = now or utcnow()
    gateway = merchant.verifier_for(merchant.current(session))
    if gateway is None:
        log.warning("payment notification while no merchant secret is set")
        return INVALID_SIGNATURE  # there is no secret to check it with
    try:
        outcome = gateway.verify(fields)
    except BadSignature as error:
        log.warning("payment notification refused", reason=str(error))
        return INVALID_SIGNATURE
    found = session.scalar(
        select(Payment.id).where(Payment.order_ref == outcome.order_ref, Payment.method == Method.ONLINE)
    )
    if found is None:
        log.warning("payment notification for an unknown order", order_ref=outcome.order_ref[:40])
        return ORDER_NOT_FOUND
    payment, dossier = lock(session, found)
    if outcome.amount != payment.amount:
        log.warning("payment notification with another amount", payment=payment.id, amount=outcome.amount)
        return INVALID_AMOUNT
    # A replay, or a later word on an order settled, changes nothing; but a signed success after a recorded
    # failure is the gateway taking the money after all, and is recorded (a failure never undoes a payment).
    if payment.state != PaymentState.PENDING and not (payment.state == PaymentState.FAILED and outcome.succeeded):
        return ALREADY_CONFIRMED
    if outcome.succeeded:
        if not outcome.gateway_txn:
            return UNKNOWN_ERROR
        if session.scalar(select(Payment.id).where(Payment.gateway_txn == outcome.gateway_txn)) is not None:
            return ALREADY_CONFIRMED  # the same transaction of the gateway, reported for another order
        payment.gateway_txn, payment.bank_code = outcome.gateway_txn, outcome.bank_code
        payment.gateway_code = outcome.response_code
        settle(session, GATEWAY_ACTOR, payment, dossier, tenant=tenant, now=now)
    else:
        payment.state, payment.gateway_code = PaymentState.FAILED, outcome.response_code
        record(
            session,
            GATEWAY_ACTOR,
            "payment.failed",
            target=f"dossier:{dossier.code}",
            payment=payment.id,
            code=outcome.response_code,
        )
    session.flush()
    return CONFIRMED


@dataclass(frozen=True)
class Returned:
    payment: Payment
    dossier: Dossier
    outcome: Outcome


def check_return(session: Session, fields: dict[str, str]) -> Returned:
    """What the payer's browser brings back from the gateway, verified: the order, its state as recorded
    (the notification records; this never does) and what the gateway told the browser. NotFound for an
    unsigned, forged or unknown return."""
    gateway = merchant.gateway_for(merchant.current(session))
    try:
        outcome = gateway.verify(fields) if gateway is not None else None
    except BadSignature:
        outcome = None
    payment = None
    if outcome is not None:
        query = select(Payment).where(Payment.order_ref == outcome.order_ref, Payment.method == Method.ONLINE)
        payment = session.scalar(query)
    if payment is None:
        raise NotFound(_("This payment answer could not be verified."))
    return Returned(payment, session.get(Dossier, payment.dossier_id), outcome)


# -- at the counter --------------------------------------------------------------------------------
def record_counter(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    *,
    method: str,
    amount: int,
    reference: str | None,
    tenant: TenantContext,
    now: dt.datetime | None = None,
) -> Payment:
    """An officer records the dossier's fees taken at the counter (``dossier`` from ``get_dossier(...,
    lock=True)``): cash, or a bank transfer with its reference. The whole fee at once; every problem at once."""
    now = now or utcnow()
    errors: dict[str, list] = {}
    reference = (reference or "").strip() or None
    if method not in COUNTER_METHODS:
        errors["method"] = [_("Cash or bank transfer.")]
    if method == Method.TRANSFER and reference is None:
        errors["reference"] = [_("Give the bank transfer's reference.")]
    if reference is not None and len(reference) > REFERENCE_MAX:
        errors["reference"] = [_("At most %(n)s characters.", n=REFERENCE_MAX)]
    owed = outstanding(session, dossier)
    if owed == 0:
        raise Conflict(_("Dossier %(code)s has no fee to pay now.", code=dossier.code))
    if dossier.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
        raise Conflict(_("Dossier %(code)s is closed.", code=dossier.code))
    if amount != owed:
        shown = format(owed, ",").replace(",", ".")
        errors["amount"] = [_("The fee is %(amount)s đồng, to be paid whole.", amount=shown)]
    if errors:
        raise InvalidInput(_("The payment was not recorded."), errors)
    payment = Payment(
        dossier_id=dossier.id,
        amount=amount,
        method=method,
        state=PaymentState.PENDING,
        reference=reference,
        recorded_by=str(actor),
        created_at=now,
    )
    session.add(payment)
    session.flush()
    settle(session, actor, payment, dossier, tenant=tenant, now=now)
    session.flush()
    return payment


def settle(session: Session, actor: Actor, payment: Payment, dossier: Dossier, *, tenant: TenantContext, now) -> None:
    """``payment`` is paid: the dossier records how (the first payment only), its history says so, and a
    dossier waiting for the payment (status 6) goes back to processing."""
    first = paid(session, dossier) is None
    payment.state, payment.paid_at = PaymentState.PAID, now
    record(
        session,
        actor,
        "payment.paid",
        target=f"dossier:{dossier.code}",
        payment=payment.id,
        method=payment.method,
        amount=payment.amount,
        gateway_txn=payment.gateway_txn,
    )
    if not first:
        log.warning("dossier paid twice: the later payment is to be refunded", payment=payment.id)
        return
    dossier.payment_method = payment.method
    if dossier.status == Status.PAYMENT:
        dossiers.transition(
            session, actor, dossier, Status.PROCESSING, dossier.version, tenant=tenant, now=now, action="fee_paid"
        )
    else:
        versions.bump(dossier, now)
        history_log.add(session, actor, dossier, "fee_paid", dossier.status, dossier.status, None, now)


# -- intake ----------------------------------------------------------------------------------------
def require_paid_before_intake(session: Session, dossier: Dossier, procedure: Procedure) -> None:
    """A hook of ``dossiers.services.transition`` (RECEIVING_CHECKS): a fully online dossier with fees is
    received only once paid, where the province takes payments online (elsewhere it is paid at the office)."""
    if (
        dossier.channel == Channel.ONLINE
        and due_stage(procedure) == BEFORE_INTAKE
        and outstanding(session, dossier) > 0
        and merchant.gateway_for(merchant.current(session)) is not None
    ):
        raise Conflict(
            _("Dossier %(code)s is to be paid online before intake; its fee is not paid yet.", code=dossier.code),
            {"fee": [_("Not paid yet.")]},
        )


def find(session: Session, payment_id: int) -> Payment:
    payment = session.get(Payment, payment_id)
    if payment is None:
        raise NotFound(_("No payment %(id)s.", id=payment_id))
    return payment


def check_period(since: dt.date, until: dt.date, most_days: int) -> None:
    if until < since or (until - since).days >= most_days:
        raise InvalidInput(
            _("The period was not accepted."),
            {"to": [_("From the first day, at most %(days)s days.", days=most_days)]},
        )
