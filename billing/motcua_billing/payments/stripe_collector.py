"""Stripe as a collection adapter (the ``stripe`` library, pinned API version).

* one Customer per tenant (idempotency key ``cust-<tenant id>``);
* per finalized local invoice: a Stripe invoice (``send_invoice``, ``auto_advance`` off, key ``inv-<id>``), one
  invoice item per line (key ``ii-<line id>``) plus one for the VAT (``vat-<invoice id>``), with VND amounts
  passed unchanged (VND is zero-decimal: never ×100), then finalize and send;
* the Stripe total is compared with ours; a difference is an error, never silently accepted.
"""

from __future__ import annotations

import stripe

from motcua_billing.payments.interfaces import CollectorInvoice, RemoteInvoice

API_VERSION = stripe.api_version  # pinned by the installed library; sent with every request


class CollectorMismatch(RuntimeError):
    pass


class StripeCollector:
    name = "stripe"

    def __init__(self, api_key: str, *, api_base: str | None = None, http_client=None):
        kwargs = {"stripe_version": API_VERSION, "max_network_retries": 2}
        if api_base:
            kwargs["base_addresses"] = {"api": api_base}
        if http_client is not None:
            kwargs["http_client"] = http_client
        self.client = stripe.StripeClient(api_key, **kwargs)

    def ensure_customer(self, tenant_id: int, tenant_slug: str, name: str, emails: tuple[str, ...]) -> str:
        params = {"name": name, "metadata": {"motcua_tenant": tenant_slug}, "preferred_locales": ["vi"]}
        if emails:
            params["email"] = emails[0]
        customer = self.client.v1.customers.create(params=params, options={"idempotency_key": f"cust-{tenant_id}"})
        return customer.id

    def push_invoice(self, customer_id: str, invoice: CollectorInvoice) -> RemoteInvoice:
        v1 = self.client.v1
        remote = v1.invoices.create(
            params={
                "customer": customer_id,
                "currency": "vnd",
                "collection_method": "send_invoice",
                "days_until_due": 30,
                "auto_advance": False,
                "pending_invoice_items_behavior": "exclude",
                "description": f"Hóa đơn {invoice.number}",
                "metadata": {"motcua_invoice_id": str(invoice.invoice_id), "motcua_number": invoice.number},
            },
            options={"idempotency_key": f"inv-{invoice.invoice_id}"},
        )
        for line in invoice.lines:
            if line.amount_vnd <= 0:
                continue
            v1.invoice_items.create(
                params={
                    "customer": customer_id,
                    "invoice": remote.id,
                    "amount": line.amount_vnd,  # whole đồng: VND is zero-decimal
                    "currency": "vnd",
                    "description": line.description[:500],
                    "metadata": {"motcua_line": line.key},
                },
                options={"idempotency_key": line.key},
            )
        if remote.status == "draft":
            remote = v1.invoices.finalize_invoice(
                remote.id, params={"auto_advance": False}, options={"idempotency_key": f"fin-{invoice.invoice_id}"}
            )
        if remote.status == "open":
            remote = v1.invoices.send_invoice(remote.id, options={"idempotency_key": f"send-{invoice.invoice_id}"})
        result = _remote(remote)
        if result.currency != "vnd" or result.total != invoice.total_vnd:
            raise CollectorMismatch(
                f"Stripe invoice {result.id} totals {result.total} {result.currency}; ours is {invoice.total_vnd} vnd."
            )
        return result

    def fetch_invoice(self, remote_id: str) -> RemoteInvoice:
        return _remote(self.client.v1.invoices.retrieve(remote_id))


def _remote(obj) -> RemoteInvoice:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    metadata = data.get("metadata") or {}
    local = metadata.get("motcua_invoice_id")
    return RemoteInvoice(
        id=data["id"],
        status=data["status"],
        currency=data["currency"],
        total=int(data["total"]),
        amount_paid=int(data.get("amount_paid") or 0),
        local_invoice_id=int(local) if local and str(local).isdecimal() else None,
    )
