"""Collection backends. The local ledger is the source of truth; a collector only presents finalized
invoices to a payment provider and reports what the provider holds. With none configured, finance records
bank transfers by hand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CollectorLine:
    key: str  # stable idempotency key derived from our own row id
    description: str
    amount_vnd: int


@dataclass(frozen=True)
class CollectorInvoice:
    invoice_id: int
    number: str
    tenant_slug: str
    customer_name: str
    emails: tuple[str, ...]
    lines: tuple[CollectorLine, ...]
    total_vnd: int


@dataclass(frozen=True)
class RemoteInvoice:
    id: str
    status: str  # draft | open | paid | void | uncollectible
    currency: str
    total: int
    amount_paid: int
    local_invoice_id: int | None


class PaymentCollector(Protocol):
    name: str

    def ensure_customer(self, tenant_id: int, tenant_slug: str, name: str, emails: tuple[str, ...]) -> str:
        """The provider's customer id for a tenant, created once (idempotent)."""

    def push_invoice(self, customer_id: str, invoice: CollectorInvoice) -> RemoteInvoice:
        """Create, finalize and send the provider's invoice for a finalized local invoice (idempotent)."""

    def fetch_invoice(self, remote_id: str) -> RemoteInvoice:
        """The provider's current view of an invoice."""
