"""Pushing finalized invoices to the collector, taking its webhooks, and reconciling with it.

The platform works fully without any collector: then finance records bank transfers
(``payments.recording.record_payment``) and nothing here runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from motcua_platform.audit.services import Actor, record
from motcua_platform.config import Config
from motcua_platform.directory.models import Tenant
from motcua_platform.errors import Conflict, ServiceError
from motcua_platform.i18n import _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_billing.catalog.services import get_account
from motcua_billing.invoices.models import Invoice, InvoiceStatus, Payment
from motcua_billing.invoices.queries import get_invoice
from motcua_billing.payments.interfaces import CollectorInvoice, CollectorLine, PaymentCollector
from motcua_billing.payments.models import WebhookEvent
from motcua_billing.payments.recording import record_payment
from motcua_billing.payments.webhooks import PAYMENT_EVENTS, read_event

log = logging.getLogger(__name__)
SYSTEM = Actor("system", None, "stripe")


class NotConfigured(ServiceError):
    status = 503
    code = "not_configured"


def collector_from_config(config: Config) -> PaymentCollector | None:
    if not config.stripe_api_key:
        return None
    from motcua_billing.payments.stripe_collector import StripeCollector

    return StripeCollector(config.stripe_api_key, api_base=config.stripe_api_base)


def _collector_invoice(session: Session, invoice: Invoice) -> CollectorInvoice:
    tenant = session.get(Tenant, invoice.tenant_id)
    account = get_account(session, tenant.id)
    lines = [CollectorLine(f"ii-{line.id}", line.description, line.amount_vnd) for line in invoice.lines]
    if invoice.vat_vnd:
        lines.append(
            CollectorLine(f"vat-{invoice.id}", f"Thuế GTGT {invoice.vat_rate.normalize():f}%", invoice.vat_vnd)
        )
    return CollectorInvoice(
        invoice_id=invoice.id,
        number=invoice.display_number,
        tenant_slug=tenant.slug,
        customer_name=account.legal_name if account else tenant.name,
        emails=tuple(account.emails) if account else (),
        lines=tuple(lines),
        total_vnd=invoice.total_vnd,
    )


def push_invoice(session: Session, collector: PaymentCollector, invoice_id: int, actor: Actor = SYSTEM) -> Invoice:
    """Present a finalized invoice to the collector (idempotent: keys come from our row ids)."""
    from motcua_billing.catalog.models import BillingAccount

    invoice = get_invoice(session, invoice_id, lock=True)
    if invoice.status not in (InvoiceStatus.FINALIZED, InvoiceStatus.PAID):
        raise Conflict(
            _(
                "Invoice %(id)s is %(status)s; only finalized invoices are collected.",
                id=invoice.id,
                status=invoice.status,
            )
        )
    tenant = session.get(Tenant, invoice.tenant_id)
    account = get_account(session, tenant.id)
    if account is None:
        account = BillingAccount(tenant_id=tenant.id, legal_name=f"UBND {tenant.name}", emails=[])
        session.add(account)
    if not account.stripe_customer_id:
        account.stripe_customer_id = collector.ensure_customer(
            tenant.id, tenant.slug, account.legal_name, tuple(account.emails)
        )
    remote = collector.push_invoice(account.stripe_customer_id, _collector_invoice(session, invoice))
    invoice.stripe_invoice_id, invoice.stripe_status = remote.id, remote.status
    session.flush()
    apply_pending(session, invoice)  # a payment event that came before the link
    record(
        session,
        actor,
        "billing.invoice_push",
        target=f"invoice:{invoice.id}",
        tenant_slug=tenant.slug,
        collector=collector.name,
        remote_id=remote.id,
        total=remote.total,
    )
    return invoice


def push_quietly(runtime, invoice_id: int) -> None:
    """After a finalization commits: push if a collector is configured; failures are logged and left to
    the reconciliation, never undoing the finalization."""
    collector = collector_from_config(runtime.config)
    if collector is None:
        return
    with runtime.db.control_session() as session:
        try:
            push_invoice(session, collector, invoice_id)
            session.commit()
        except Exception:
            session.rollback()
            log.exception(
                "pushing invoice %s to %s failed; `motcua billing reconcile --push` retries", invoice_id, "stripe"
            )


# -- webhooks ------------------------------------------------------------------------------------
def handle_stripe_webhook(session: Session, payload: bytes, signature: str | None, secret: str | None) -> dict:
    """Verify, check, deduplicate and apply a Stripe webhook. Anything refused is logged and nothing is
    stored (``webhooks.read_event``)."""
    if not secret:
        raise NotConfigured(_("Stripe webhooks are not configured on this platform."))
    try:
        event = read_event(payload, signature, secret)
    except ServiceError as exc:
        log.warning("rejected a Stripe webhook: %s (%s)", exc.message, exc.__cause__ or exc.errors)
        raise
    inserted = session.execute(
        insert(WebhookEvent)
        .values(provider="stripe", event_id=event["id"], type=event["type"], outcome="received", payload=event)
        .on_conflict_do_nothing(constraint="uq_billing_webhook_events_key")
        .returning(WebhookEvent.id)
    ).first()
    if inserted is None:
        return {"status": "duplicate", "event": event["id"]}
    row = session.get(WebhookEvent, inserted[0])
    if event["type"] in PAYMENT_EVENTS:
        _apply_payment(session, row)
    else:
        row.outcome = "ignored"
    return {"status": "processed", "event": row.event_id, "outcome": row.outcome}


def _apply_payment(session: Session, row: WebhookEvent) -> None:
    """Record the payment a paid-invoice event reports, or keep the event pending until the invoice it is
    about is finalized here (Stripe does not promise order: the event may overtake our own work)."""
    remote = row.payload["data"]["object"]
    row.remote_object_id = remote["id"]
    local_id = (remote.get("metadata") or {}).get("motcua_invoice_id")
    invoice = session.scalar(select(Invoice).where(Invoice.stripe_invoice_id == remote["id"]).with_for_update())
    if invoice is None and local_id is not None:
        # locked: a finalization or push in flight commits first, then this event sees its result
        invoice = session.scalar(select(Invoice).where(Invoice.id == int(local_id)).with_for_update())
    row.invoice_id = invoice.id if invoice is not None else None
    if invoice is None or invoice.status == InvoiceStatus.DRAFT:
        row.pending = True
        row.outcome = (
            f"pending: local invoice {invoice.id} is a draft; applied when it is finalized"
            if invoice is not None
            else f"pending: no local invoice is linked to {remote['id']} yet"
        )
        log.warning("Stripe reports invoice %s paid before it is finalized here; kept pending", remote["id"])
        return
    row.pending = False
    row.outcome = _record(session, invoice, remote)


def _record(session: Session, invoice: Invoice, remote: dict) -> str:
    if invoice.status == InvoiceStatus.PAID:
        return "already paid"
    if invoice.status != InvoiceStatus.FINALIZED:
        log.warning(
            "Stripe reports invoice %s paid, but local invoice %s is %s", remote["id"], invoice.id, invoice.status
        )
        return f"local invoice is {invoice.status}"
    amount = remote["amount_paid"]
    if remote["currency"] != "vnd" or amount != invoice.amount_due_vnd:
        log.warning(
            "Stripe paid %s %s on %s; %s vnd is due", amount, remote["currency"], remote["id"], invoice.amount_due_vnd
        )
        return "amount mismatch"
    record_payment(session, SYSTEM, invoice.id, amount_vnd=amount, reference=remote["id"], method="stripe")
    invoice.stripe_status = "paid"
    return "marked paid"


def apply_pending(session: Session, invoice: Invoice) -> list[str]:
    """Apply the payment events kept for ``invoice`` (by our id or the provider's), now that it is
    finalized or linked; called in the transaction that finalizes or pushes it. The outcomes."""
    if invoice.status == InvoiceStatus.DRAFT:
        return []
    names = WebhookEvent.invoice_id == invoice.id
    if invoice.stripe_invoice_id:
        names = names | (WebhookEvent.remote_object_id == invoice.stripe_invoice_id)
    rows = session.scalars(
        select(WebhookEvent).where(WebhookEvent.pending, names).order_by(WebhookEvent.id).with_for_update()
    ).all()
    outcomes = []
    for row in rows:
        row.pending = False
        row.invoice_id = invoice.id
        row.outcome = _record(session, invoice, row.payload["data"]["object"]) + " (applied late)"
        outcomes.append(row.outcome)
        record(
            session,
            SYSTEM,
            "billing.webhook_applied",
            target=f"invoice:{invoice.id}",
            event=row.event_id,
            outcome=row.outcome,
        )
    session.flush()
    return outcomes


def pending_events(session: Session) -> list[WebhookEvent]:
    return list(session.scalars(select(WebhookEvent).where(WebhookEvent.pending).order_by(WebhookEvent.id)))


# -- reconciliation ------------------------------------------------------------------------------
@dataclass
class Reconciliation:
    checked: int = 0
    matched: list[dict] = field(default_factory=list)  # the invoices the collector agrees with
    pushed: list[int] = field(default_factory=list)
    mismatches: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def reconcile(session: Session, collector: PaymentCollector, *, push_missing: bool = False) -> Reconciliation:
    """Compare every finalized or paid invoice with the collector; report each difference."""
    report = Reconciliation()
    rows = session.scalars(
        select(Invoice)
        .where(Invoice.status.in_([InvoiceStatus.FINALIZED, InvoiceStatus.PAID, InvoiceStatus.VOID]))
        .order_by(Invoice.id)
    ).all()
    for event in pending_events(session):  # money reported by the collector and not yet on any invoice here
        report.mismatches.append({"event": event.event_id, "remote": event.remote_object_id, "problem": event.outcome})
    for invoice in rows:
        if invoice.stripe_invoice_id is None:
            if invoice.status == InvoiceStatus.VOID:
                continue
            if push_missing:
                push_invoice(session, collector, invoice.id)
                report.pushed.append(invoice.id)
            else:
                report.mismatches.append({"invoice": invoice.id, "problem": "not pushed to the collector"})
            continue
        report.checked += 1
        remote = collector.fetch_invoice(invoice.stripe_invoice_id)
        problems = []
        if remote.currency != "vnd" or remote.total != invoice.total_vnd:
            problems.append(
                _(
                    "total %(total)s %(currency)s ≠ ours %(total_vnd)s vnd",
                    total=remote.total,
                    currency=remote.currency,
                    total_vnd=invoice.total_vnd,
                )
            )
        expected = {InvoiceStatus.FINALIZED: "open", InvoiceStatus.PAID: "paid", InvoiceStatus.VOID: "void"}
        if remote.status != expected[invoice.status]:
            problems.append(
                _(
                    "status %(status)s ≠ expected %(expected)s (ours: %(status2)s)",
                    status=remote.status,
                    expected=expected[invoice.status],
                    status2=invoice.status,
                )
            )
        paid_locally = sum(
            p.amount_vnd for p in session.scalars(select(Payment).where(Payment.invoice_id == invoice.id))
        )
        if remote.amount_paid != paid_locally and remote.status == "paid":
            problems.append(
                _(
                    "paid %(amount_paid)s at the collector ≠ %(paid_locally)s recorded here",
                    amount_paid=remote.amount_paid,
                    paid_locally=paid_locally,
                )
            )
        if not problems:
            report.matched.append({"invoice": invoice.id, "number": invoice.display_number, "remote": remote.id})
        else:
            report.mismatches.append(
                {
                    "invoice": invoice.id,
                    "number": invoice.display_number,
                    "remote": remote.id,
                    "problem": "; ".join(map(str, problems)),
                }
            )
    return report
