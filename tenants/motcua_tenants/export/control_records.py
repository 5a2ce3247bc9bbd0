"""The tenant's own records in the control schema: which tables are handed over with its data, how each
finds the tenant's rows, and which are kept back and why. The control plane cannot import billing (the
areas are independent), so the tables are named here and read from the catalogue like the tenant's.

A test fails when a control table that refers to a tenant is in neither list: a new one needs a decision."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from motcua_tenants.export.catalog import TableShape, table_of


@dataclass(frozen=True)
class Selection:
    """Rows whose ``column`` is the tenant's id (``parent`` None), or the id of one of the rows exported
    from ``parent``."""

    column: str
    parent: str | None = None


# In the order written; a parent before its children.
EXPORTED: dict[str, Selection] = {
    "tenants": Selection("id"),
    "tenant_domains": Selection("tenant_id"),
    "tenant_plugins": Selection("tenant_id"),
    "billing_accounts": Selection("tenant_id"),
    "billing_contracts": Selection("tenant_id"),
    "billing_price_versions": Selection("contract_id", "billing_contracts"),
    "billing_charges": Selection("price_version_id", "billing_price_versions"),
    "billing_invoices": Selection("tenant_id"),
    "billing_invoice_lines": Selection("invoice_id", "billing_invoices"),
    "billing_payments": Selection("invoice_id", "billing_invoices"),
    "billing_usage_daily": Selection("tenant_id"),
}

NOT_EXPORTED: dict[str, str] = {
    "tenant_jobs": "the control plane's log of provisioning and archiving; its parameters hold the first "
    "administrator's password hash",
    "audit_events": "the vendor's record of what its operators did to the tenant; it names the operators and is "
    "kept after deletion",
    "billing_usage_events": "the usage ledger, one row per counted fact; billing_usage_daily is its sum per day "
    "and each invoice line its sum per period",
    "billing_usage_claims": "the ledger's bookkeeping of which events each finalized invoice line counted",
    "billing_alerts": "the vendor's record of the budget alerts it sent",
}


def selection_where(name: str, shapes: dict[str, TableShape], tenant_id: int):
    """A ``where`` for ``catalog.rows``: the tenant's rows of control table ``name``."""
    chosen = EXPORTED[name]

    def where(source):
        if chosen.parent is None:
            return source.c[chosen.column] == tenant_id
        parent = table_of(shapes[chosen.parent])
        parent_where = selection_where(chosen.parent, shapes, tenant_id)
        return source.c[chosen.column].in_(select(parent.c.id).where(parent_where(parent)))

    return where
