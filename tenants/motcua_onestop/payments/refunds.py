"""Refunds through the gateway. The rule (ADR 0047): an online payment is given back whole when

- its dossier was withdrawn before intake, or refused at intake (closed before any officer received it:
  the fee bought nothing), or
- its dossier was already paid by an earlier payment (paid twice, in two tabs or once online and once at
  the counter).

Once an officer received the dossier, a withdrawal does not refund: the work the fee pays for has begun.
Counter payments are given back at the counter (not through the gateway) and are not listed here.

A refund is asked of the gateway by a finance officer or the periodic job, one payment at a time; a refusal
or a gateway that does not answer is kept on the payment (``refund_error``, ``refund_attempts``) for the
finance page, and asked again at the next run."""

from __future__ import annotations

import datetime as dt

import structlog
from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.database import Database
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import Conflict
from motcua_platform.i18n import _
from sqlalchemy import Select, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.payments import services
from motcua_onestop.payments import settings as merchant
from motcua_onestop.payments.gateway import GatewayUnavailable
from motcua_onestop.payments.models import Method, Payment, PaymentState

log = structlog.get_logger(__name__)
ERROR_MAX = 200


def due_query() -> Select:
    """The online payments to give back (the rule above), oldest first: rows of (payment, dossier code)."""
    earlier = aliased(Payment)
    paid_before = exists().where(
        earlier.dossier_id == Payment.dossier_id,
        earlier.state == PaymentState.PAID,
        or_(earlier.paid_at < Payment.paid_at, and_(earlier.paid_at == Payment.paid_at, earlier.id < Payment.id)),
    )
    # withdrawn, or refused at intake, before any officer received it: the fee bought nothing
    withdrawn_unreceived = and_(
        Dossier.closed_status.in_([int(Status.WITHDRAWN), int(Status.REFUSED)]), Dossier.received_at.is_(None)
    )
    return (
        select(Payment, Dossier.code)
        .join(Dossier, Dossier.id == Payment.dossier_id)
        .where(
            Payment.method == Method.ONLINE, Payment.state == PaymentState.PAID, or_(withdrawn_unreceived, paid_before)
        )
        .order_by(Payment.paid_at, Payment.id)
    )


def due(session: Session) -> list[dict]:
    return [
        {"payment": payment, "dossier_code": code, "reason": _reason(session, payment)}
        for payment, code in session.execute(due_query())
    ]


def _reason(session: Session, payment: Payment) -> str:
    dossier = session.get(Dossier, payment.dossier_id)
    first = services.paid(session, dossier)
    if first is not None and first.id != payment.id:
        return "paid_twice"
    return "refused_at_intake" if dossier.closed_status == int(Status.REFUSED) else "withdrawn_before_intake"


def refund(
    session: Session, actor: Actor, payment_id: int, *, client_ip: str = "127.0.0.1", now: dt.datetime | None = None
) -> Payment:
    """Ask the gateway to give ``payment_id`` back; recorded either way. Conflict when the rule does not
    give it back, or the province's online payment is off."""
    now = now or utcnow()
    payment, dossier = services.lock(session, services.find(session, payment_id).id)
    due_ids = {row.id for row, _code in session.execute(due_query().where(Payment.id == payment.id))}
    if payment.id not in due_ids:
        raise Conflict(_("Payment %(id)s is not to be refunded.", id=payment.id))
    gateway = merchant.gateway_for(merchant.current(session))
    if gateway is None:
        raise Conflict(_("This province does not take payments online; refunds wait until it does."))
    payment.refund_attempts += 1
    try:
        answer = gateway.refund(
            services.order_of(payment, dossier.code),
            payment.gateway_txn,
            by=f"{actor.kind}:{actor.id}",  # who asked, without a name or e-mail leaving for the gateway
            client_ip=client_ip,
            now=now,
        )
        error = None if answer.succeeded else f"{answer.response_code}: {answer.message}"
    except GatewayUnavailable as failure:
        error = str(failure)
    if error is not None:
        payment.refund_error = error[:ERROR_MAX]
        log.warning("refund not made", payment=payment.id, error=payment.refund_error)
        record(
            session,
            actor,
            "payment.refund_failed",
            target=f"dossier:{dossier.code}",
            payment=payment.id,
            error=payment.refund_error,
        )
    else:
        first = services.paid(session, dossier)
        payment.state, payment.refunded_at, payment.refund_error = PaymentState.REFUNDED, now, None
        if first is not None and first.id == payment.id:  # the dossier's own payment went back
            second = services.paid(session, dossier)
            dossier.payment_method = second.method if second is not None else None
        record(
            session,
            actor,
            "payment.refunded",
            target=f"dossier:{dossier.code}",
            payment=payment.id,
            amount=payment.amount,
        )
    session.flush()
    return payment


def refund_all(session: Session, actor: Actor, *, now: dt.datetime | None = None) -> tuple[int, int]:
    """Every refund due that the job still asks for, one by one, each committed as soon as the gateway has
    answered (a later failure must never roll back the record of money already given back): (made, failed).
    A payment refunded or no longer due meanwhile (a finance officer's button) is skipped; after
    ``JOB_ATTEMPTS`` refusals the job stops asking and the payment waits on the finance page."""
    made = failed = 0
    query = due_query().where(Payment.refund_attempts < JOB_ATTEMPTS)
    for payment_id in [payment.id for payment, _code in session.execute(query)]:
        session.commit()  # nothing held while the gateway is asked about the next one
        try:
            state = refund(session, actor, payment_id, now=now).state
            session.commit()
        except Conflict:
            session.rollback()
            continue
        except Exception:
            session.rollback()
            log.exception("refund of payment %s failed", payment_id)
            failed += 1
            continue
        made, failed = (made + 1, failed) if state == PaymentState.REFUNDED else (made, failed + 1)
    return made, failed


REFUND_ACTOR = Actor("system", None, "refunds")
JOB_ATTEMPTS = 20  # the job's tries at one payment (every 10 minutes): past that, a person decides


def refund_everywhere(db: Database) -> dict[str, tuple[int, int]]:
    """The periodic job: every active province's refunds due, each province its own transaction; a
    province whose database fails is logged and the others go on."""
    with db.control_session() as session:
        query = select(Tenant.slug).where(Tenant.status == TenantStatus.ACTIVE).order_by(Tenant.slug)
        slugs = list(session.scalars(query))
    done = {}
    for slug in slugs:
        try:
            with db.tenant_session(db.binding(slug)) as session:
                if merchant.gateway_for(merchant.current(session)) is None:
                    continue
                done[slug] = refund_all(session, REFUND_ACTOR)
        except Exception:
            log.exception("refunds of %s failed", slug)
    return done
