"""Pushing finalized invoices to the collector, taking its webhooks, and reconciling with it.

The platform works fully without any collector: then finance records bank transfers
(``invoices.services.record_payment``) and nothing here runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import stripe
from motcua_platform.audit.services import Actor, record
from motcua_platform.config import Config
from motcua_platform.errors import ServiceError
from motcua_tenants.registry.models import Tenant
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_billing.catalog.services import get_account
from motcua_billing.invoices import services as invoices
from motcua_billing.invoices.models import Invoice, InvoiceStatus, Payment
from motcua_billing.payments.interfaces import CollectorInvoice, CollectorLine, PaymentCollector
from motcua_billing.payments.models import WebhookEvent

log = logging.getLogger(__name__)
SYSTEM = Actor("system", None, "stripe")


class BadSignature(ServiceError):
    status = 400
    code = "bad_signature"


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

    invoice = invoices.get_invoice(session, invoice_id, lock=True)
    if invoice.status not in (InvoiceStatus.FINALIZED, InvoiceStatus.PAID):
        raise invoices.Conflict(f"Invoice {invoice.id} is {invoice.status}; only finalized invoices are collected.")
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
    """Verify, deduplicate and apply a Stripe webhook. A bad signature is logged and nothing is stored."""
    if not secret:
        raise NotConfigured("Stripe webhooks are not configured on this platform.")
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        log.warning("rejected a Stripe webhook: %s", exc)
        raise BadSignature("The webhook signature could not be verified; the event was ignored.") from None
    inserted = session.execute(
        insert(WebhookEvent)
        .values(
            provider="stripe",
            event_id=event.id,
            type=event.type,
            outcome="received",
            payload=event.to_dict(),
        )
        .on_conflict_do_nothing(constraint="uq_billing_webhook_events_key")
        .returning(WebhookEvent.id)
    ).first()
    if inserted is None:
        return {"status": "duplicate", "event": event.id}
    row = session.get(WebhookEvent, inserted[0])
    row.outcome = _apply(session, event)
    return {"status": "processed", "event": event.id, "outcome": row.outcome}


def _apply(session: Session, event) -> str:
    if event.type not in ("invoice.paid", "invoice.payment_succeeded"):
        return "ignored"
    remote = event.data.object.to_dict()
    metadata = remote.get("metadata") or {}
    query = select(Invoice).where(Invoice.stripe_invoice_id == remote["id"])
    invoice = session.scalar(query)
    if invoice is None and str(metadata.get("motcua_invoice_id", "")).isdecimal():
        invoice = session.get(Invoice, int(metadata["motcua_invoice_id"]))
    if invoice is None:
        log.warning("Stripe reports invoice %s paid, but no local invoice matches it", remote["id"])
        return "unknown invoice"
    if invoice.status == InvoiceStatus.PAID:
        return "already paid"
    if invoice.status != InvoiceStatus.FINALIZED:
        log.warning(
            "Stripe reports invoice %s paid, but local invoice %s is %s", remote["id"], invoice.id, invoice.status
        )
        return f"local invoice is {invoice.status}"
    amount = int(remote.get("amount_paid") or 0)
    if remote.get("currency") != "vnd" or amount != invoice.amount_due_vnd:
        log.warning(
            "Stripe paid %s %s on %s; %s vnd is due",
            amount,
            remote.get("currency"),
            remote["id"],
            invoice.amount_due_vnd,
        )
        return "amount mismatch"
    invoices.record_payment(session, SYSTEM, invoice.id, amount_vnd=amount, reference=remote["id"], method="stripe")
    invoice.stripe_status = "paid"
    return "marked paid"


# -- reconciliation ------------------------------------------------------------------------------
@dataclass
class Reconciliation:
    checked: int = 0
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
            problems.append(f"total {remote.total} {remote.currency} ≠ ours {invoice.total_vnd} vnd")
        expected = {InvoiceStatus.FINALIZED: "open", InvoiceStatus.PAID: "paid", InvoiceStatus.VOID: "void"}
        if remote.status != expected[invoice.status]:
            problems.append(f"status {remote.status} ≠ expected {expected[invoice.status]} (ours: {invoice.status})")
        paid_locally = sum(
            p.amount_vnd for p in session.scalars(select(Payment).where(Payment.invoice_id == invoice.id))
        )
        if remote.amount_paid != paid_locally and remote.status == "paid":
            problems.append(f"paid {remote.amount_paid} at the collector ≠ {paid_locally} recorded here")
        if problems:
            report.mismatches.append(
                {
                    "invoice": invoice.id,
                    "number": invoice.display_number,
                    "remote": remote.id,
                    "problem": "; ".join(problems),
                }
            )
    return report
