"""Invoices: vendor finance on the platform host (all tenants, every action); a province's finance viewer
and admin on its own host (its usage, quota left, projected overage, budget and invoices, read-only)."""

from __future__ import annotations

import logging

from flask import Response
from motcua_platform.auth.models import OperatorRole, StaffRoleName
from motcua_platform.directory.models import Tenant
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _
from motcua_platform.signatures.settings import vendor_seal_signer
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, current_tenant, runtime, tenant_session
from motcua_platform.web.pagination import paginate
from motcua_platform.web.principals import actor, current_principal, province_principal
from sqlalchemy import select

from motcua_billing.alerts.schemas import AlertListArgsSchema, AlertSchema, TenantAlertListArgsSchema, TenantAlertSchema
from motcua_billing.alerts.services import list_alerts
from motcua_billing.catalog.services import get_account, tenant_by_slug
from motcua_billing.invoices import documents, lifecycle, queries, signing
from motcua_billing.invoices.models import Invoice, InvoiceLine
from motcua_billing.invoices.schemas import (
    BudgetSchema,
    ExportArgsSchema,
    InvoiceListArgsSchema,
    InvoiceSchema,
    InvoiceSignatureSchema,
    PaymentInSchema,
    PaymentSchema,
    PreviewSchema,
    ReconciliationSchema,
    RunReportSchema,
    RunSchema,
    TenantInvoiceListArgsSchema,
    UsageSummarySchema,
    VoidSchema,
)
from motcua_billing.payments import recording
from motcua_billing.reports import services as reports
from motcua_billing.usage.schemas import UsageEventSchema

log = logging.getLogger(__name__)

blp = Blueprint(
    "billing_invoices",
    __name__,
    url_prefix="/api/v1/billing",
    realm="platform",
    description="Invoice runs, invoices (draft → finalized → paid / void), payments, PDF and CSV, usage, budget "
    "and the quota and budget alerts raised.",
)
tenant_blp = Blueprint(
    "my_billing",
    __name__,
    url_prefix="/api/v1/my-billing",
    realm="tenant",
    description="The province's own usage, quota left, projected overage, budget, invoices and alerts.",
)

ACTORS = (OperatorRole.FINANCE, OperatorRole.ADMIN)
READERS = (OperatorRole.FINANCE, OperatorRole.ADMIN, OperatorRole.OPERATOR)
PROVINCE_FINANCE = (StaffRoleName.FINANCE_VIEWER, StaffRoleName.TENANT_ADMIN)
PDF_DOC = {"responses": {"200": {"description": "The invoice as PDF", "content": {"application/pdf": {}}}}}


def with_slugs(rows: list) -> list:
    """``rows`` (invoices or alerts), each given its tenant's slug for the response."""
    ids = {row.tenant_id for row in rows}
    query = select(Tenant.id, Tenant.slug).where(Tenant.id.in_(ids))
    slugs = dict(control_session().execute(query).all()) if ids else {}
    for row in rows:
        row.tenant_slug = slugs.get(row.tenant_id)
    return rows


def _one(invoice: Invoice) -> Invoice:
    return with_slugs([invoice])[0]


def pdf_response(invoice: Invoice) -> Response:
    """The invoice's PDF: the one the vendor signed once it is signed (a rendering would carry no signature)."""
    body = signing.signed_pdf(control_session(), invoice.id) or documents.invoice_pdf(
        control_session(), invoice, runtime().config
    )
    name = (invoice.display_number or f"draft-{invoice.id}") + ".pdf"
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


# -- platform host -------------------------------------------------------------------------------
@blp.route("/runs", methods=["POST"])
@blp.arguments(RunSchema)
@blp.response(200, RunReportSchema)
def run(body):
    """Rate every tenant whose billing period closes in `period` (YYYY-MM), once that month has ended in
    Hà Nội (before, 422). Re-running changes nothing. `skipped` names every active or suspended tenant not
    billed, and why (no contract, no contract in force, a period that does not close this month…)."""
    current_principal(*ACTORS)
    from motcua_billing.invoices.tasks import run_billing

    who = actor()
    control_session().commit()  # end the authentication transaction; the run has its own after the drain
    return run_billing(runtime(), body["period"], who)


@blp.route("/runs/preview")
@blp.arguments(RunSchema, location="query")
@blp.response(200, PreviewSchema)
def run_preview(args):
    """What a run for `period` would bill, written nowhere: per tenant the draft's lines and totals and
    whether the run would create or update it, the tenants skipped and why, and the run's totals. Usage
    still queued in the tenants' outboxes counts once the run has drained it. 422 before the month ends."""
    current_principal(*ACTORS)
    return preview(args["period"])


def preview(month) -> dict:
    from motcua_billing.invoices.run import preview_period

    return preview_period(control_session(), month, vat_rate=runtime().config.vat_rate)


@blp.route("/reconciliation")
@blp.response(200, ReconciliationSchema)
def reconciliation():
    """Compare every finalized, paid or void invoice with Stripe, read-only: those it agrees with
    (`matched`) and each difference (`mismatches`: totals, status, payments, collector events not yet on
    an invoice here). 503 when Stripe is not configured."""
    current_principal(*ACTORS)
    return reconcile()


def reconcile() -> dict:
    from motcua_billing.payments.services import NotConfigured, collector_from_config
    from motcua_billing.payments.services import reconcile as compare

    collector = collector_from_config(runtime().config)
    if collector is None:
        raise NotConfigured(_("Stripe is not configured (MOTCUA_STRIPE_API_KEY); there is nothing to compare."))
    report = compare(control_session(), collector)
    return {"checked": report.checked, "matched": report.matched, "mismatches": report.mismatches}


@blp.route("/invoices")
@blp.arguments(InvoiceListArgsSchema, location="query")
@blp.response(200, InvoiceSchema(many=True))
@blp.paginate()
def list_invoices(args, pagination_parameters):
    """Invoices of every tenant, newest period first; filter by tenant, status or period."""
    current_principal(*READERS)
    session = control_session()
    tenant_id = tenant_by_slug(session, args["tenant"]).id if args.get("tenant") else None
    period = args.get("period")
    query = queries.list_invoices(session, tenant_id=tenant_id, status=args.get("status"), period=period)
    return with_slugs(paginate(session, query, pagination_parameters))


@blp.route("/invoices/<int:invoice_id>")
@blp.response(200, InvoiceSchema)
def invoice_item(invoice_id):
    """One invoice with its lines (each line's `details.usage_query` says which usage it counts)."""
    current_principal(*READERS)
    return _one(queries.get_invoice(control_session(), invoice_id))


@blp.route("/invoices/<int:invoice_id>/finalize", methods=["POST"])
@blp.response(200, InvoiceSchema)
def finalize(invoice_id):
    """Recompute the draft, claim its usage, give it the next number of the year and freeze it."""
    current_principal(*ACTORS)
    session = control_session()
    invoice = lifecycle.finalize(session, actor(), invoice_id)
    # Committed here, not at the request's end: the push reads the finalized invoice in a transaction of its
    # own, and the answer shows what the push recorded (a failed push never undoes the finalization).
    session.commit()
    from motcua_billing.payments.services import push_quietly

    push_quietly(runtime(), invoice.id)
    session.expire_all()  # the push wrote the collector's ids in its own transaction
    return _one(queries.get_invoice(session, invoice_id))


@blp.route("/invoices/<int:invoice_id>/void", methods=["POST"])
@blp.arguments(VoidSchema)
@blp.response(200, InvoiceSchema)
def void(body, invoice_id):
    """Void a draft or an unpaid finalized invoice; its usage is released for a replacement."""
    current_principal(*ACTORS)
    session = control_session()
    invoice = lifecycle.void(session, actor(), invoice_id, body["reason"])
    return _one(invoice)


@blp.route("/invoices/<int:invoice_id>/payments", methods=["POST"])
@blp.arguments(PaymentInSchema)
@blp.response(201, PaymentSchema)
def record_payment(body, invoice_id):
    """Record a bank transfer (or cash) received; the invoice becomes paid when fully covered."""
    current_principal(*ACTORS)
    session = control_session()
    payment = recording.record_payment(session, actor(), invoice_id, **body)
    return payment


@blp.route("/invoices/<int:invoice_id>/sign", methods=["POST"])
@blp.response(200, InvoiceSignatureSchema)
@blp.alt_response(409, description="A draft or void invoice, or one signed already.")
@blp.alt_response(404, description="The vendor's seal is not set up (MOTCUA_SIGNING_KEYS_DIR/_vendor/signing.toml).")
def sign_invoice(invoice_id):
    """Sign the finalized invoice's PDF with the vendor's seal (finance only); `/pdf` then serves the signed
    file. Audited as `billing.invoice_signed`; nothing is stored when signing fails."""
    current_principal(OperatorRole.FINANCE)
    config = runtime().config
    return signing.sign_invoice(control_session(), actor(), invoice_id, vendor_seal_signer(config), config)


@blp.route("/invoices/<int:invoice_id>/pdf")
@blp.doc(**PDF_DOC)
def invoice_pdf(invoice_id):
    """The invoice as a Vietnamese PDF."""
    current_principal(*READERS)
    return pdf_response(queries.get_invoice(control_session(), invoice_id))


@blp.route("/invoices/<int:invoice_id>/lines/<int:line_id>/usage")
@blp.response(200, UsageEventSchema(many=True))
@blp.paginate()
def line_usage(invoice_id, line_id, pagination_parameters):
    """The usage events an invoice line counts."""
    current_principal(*READERS)
    session = control_session()
    line = session.get(InvoiceLine, line_id)
    if line is None or line.invoice_id != invoice_id:
        raise NotFound(_("Invoice %(invoice_id)s has no line %(line_id)s.", invoice_id=invoice_id, line_id=line_id))
    query = queries.line_usage_query(session, line)
    if query is None:
        return []
    return paginate(session, query, pagination_parameters)


@blp.route("/exports/invoices.csv")
@blp.arguments(ExportArgsSchema, location="query")
@blp.doc(responses={"200": {"description": "One row per invoice line", "content": {"text/csv": {}}}})
def export_csv(args):
    """Invoices as CSV (one row per line), for accounting."""
    current_principal(*READERS)
    session = control_session()
    tenant_id = tenant_by_slug(session, args["tenant"]).id if args.get("tenant") else None
    period = args.get("period")
    query = queries.list_invoices(session, tenant_id=tenant_id, status=args.get("status"), period=period)
    return csv_response(with_slugs(list(session.scalars(query))))


@blp.route("/tenants/<slug>/usage")
@blp.response(200, UsageSummarySchema)
def tenant_usage(slug):
    """A tenant's usage this period: quota left and projected overage per metric, and its overage budget."""
    current_principal(*READERS)
    session = control_session()
    tenant = tenant_by_slug(session, slug)
    return reports.usage_summary(session, tenant.id, slug).as_dict()


@blp.route("/alerts")
@blp.arguments(AlertListArgsSchema, location="query")
@blp.response(200, AlertSchema(many=True))
@blp.paginate()
def alerts(args, pagination_parameters):
    """The quota (50/80/100 % of a metric's quota) and overage-budget alerts raised, newest first; filter
    by tenant, period or kind."""
    current_principal(*ACTORS)
    session = control_session()
    tenant_id = tenant_by_slug(session, args["tenant"]).id if args.get("tenant") else None
    query = list_alerts(tenant_id=tenant_id, period=args.get("period"), kind=args.get("kind"))
    return with_slugs(paginate(session, query, pagination_parameters))


def budget_of(session, tenant_id: int, slug: str) -> dict:
    from motcua_billing.catalog.models import Contract

    contracts = list(
        session.scalars(select(Contract).where(Contract.tenant_id == tenant_id).order_by(Contract.starts_on.desc()))
    )
    if not contracts:
        raise NotFound(_("Tenant '%(slug)s' has no contract.", slug=slug))
    contract = contracts[0]
    years = reports.budget(session, contract)
    keys = (
        "lease_vnd",
        "overage_budget_vnd",
        "actual_overage_vnd",
        "remaining_budget_vnd",
        "invoiced_vnd",
        "invoiced_before_vat_vnd",
        "paid_vnd",
        "outstanding_vnd",
    )
    totals = {key: sum(getattr(y, key) for y in years) for key in keys}
    return {"tenant": slug, "contract": contract.code, "years": years, "totals": totals}


@blp.route("/tenants/<slug>/budget")
@blp.response(200, BudgetSchema)
def tenant_budget(slug):
    """Budget per contract year: lease, overage budget, actual overage, invoiced, paid."""
    current_principal(*READERS)
    session = control_session()
    return budget_of(session, tenant_by_slug(session, slug).id, slug)


# -- tenant host ---------------------------------------------------------------------------------
def province_finance() -> int:
    """The province's id, once the caller is known to hold a finance role on the province itself."""
    province_principal(*PROVINCE_FINANCE)  # the province's money: roles on the province itself only
    # The caller is known; end the tenant transaction before reading billing rows from the control plane,
    # so the two sessions never interleave (a commit of reads only: the view writes nothing).
    tenant_session().commit()
    return current_tenant().id


def province_invoice(tenant_id: int, invoice_id: int) -> Invoice:
    """One of the province's invoices; a draft (the vendor's work in progress) is not found, as another's."""
    invoice = queries.get_invoice(control_session(), invoice_id, tenant_id=tenant_id)
    if invoice.status == "draft":
        raise NotFound(_("No invoice %(invoice_id)s.", invoice_id=invoice_id))
    return invoice


@tenant_blp.route("/usage")
@tenant_blp.response(200, UsageSummarySchema)
def my_usage():
    """This period's usage per metric, quota left, projected overage, and the overage budget."""
    tenant_id = province_finance()
    return reports.usage_summary(control_session(), tenant_id, current_tenant().slug).as_dict()


@tenant_blp.route("/budget")
@tenant_blp.response(200, BudgetSchema)
def my_budget():
    """Budget per contract year: lease, overage budget, actual overage, invoiced, paid."""
    tenant_id = province_finance()
    return budget_of(control_session(), tenant_id, current_tenant().slug)


@tenant_blp.route("/invoices")
@tenant_blp.arguments(TenantInvoiceListArgsSchema, location="query")
@tenant_blp.response(200, InvoiceSchema(many=True))
@tenant_blp.paginate()
def my_invoices(args, pagination_parameters):
    """The province's invoices (drafts are the vendor's work in progress and are not shown)."""
    session = control_session()
    query = province_invoices_query(province_finance(), args.get("status"))
    return with_slugs(paginate(session, query, pagination_parameters))


@tenant_blp.route("/invoices/<int:invoice_id>")
@tenant_blp.response(200, InvoiceSchema)
def my_invoice(invoice_id):
    """One of the province's invoices."""
    return _one(province_invoice(province_finance(), invoice_id))


@tenant_blp.route("/invoices/<int:invoice_id>/pdf")
@tenant_blp.doc(**PDF_DOC)
def my_invoice_pdf(invoice_id):
    """One of the province's invoices as PDF."""
    return pdf_response(province_invoice(province_finance(), invoice_id))


@tenant_blp.route("/alerts")
@tenant_blp.arguments(TenantAlertListArgsSchema, location="query")
@tenant_blp.response(200, TenantAlertSchema(many=True))
@tenant_blp.paginate()
def my_alerts(args, pagination_parameters):
    """The province's quota and overage-budget alerts, newest first; filter by period or kind.

    Each says which of the province's finance e-mails it went to (`notified`), never the vendor's."""
    tenant_id = province_finance()
    session = control_session()
    query = list_alerts(tenant_id=tenant_id, period=args.get("period"), kind=args.get("kind"))
    return province_view(tenant_id, with_slugs(paginate(session, query, pagination_parameters)))


def province_view(tenant_id: int, alerts: list) -> list:
    """``alerts``, each saying which of the province's own finance e-mails it went to (``notified``)."""
    account = get_account(control_session(), tenant_id)
    own = {email.strip().lower() for email in (account.emails if account else [])}
    for alert in alerts:
        alert.notified = [r for r in alert.recipients if r.strip().lower() in own]
    return alerts


@tenant_blp.route("/payments")
@tenant_blp.response(200, PaymentSchema(many=True))
@tenant_blp.paginate()
def my_payments(pagination_parameters):
    """The payments received for the province's invoices, newest first, each with its invoice's number."""
    tenant_id = province_finance()
    session = control_session()
    return queries.numbered(
        session, paginate(session, queries.list_payments(tenant_id=tenant_id), pagination_parameters)
    )


@tenant_blp.route("/exports/invoices.csv")
@tenant_blp.arguments(TenantInvoiceListArgsSchema, location="query")
@tenant_blp.doc(responses={"200": {"description": "One row per invoice line", "content": {"text/csv": {}}}})
def my_export_csv(args):
    """The province's invoices (not drafts) as CSV, one row per line, for its accounting."""
    tenant_id = province_finance()
    return csv_response(province_invoices(tenant_id, args.get("status")))


def province_invoices_query(tenant_id: int, status: str | None = None):
    """The province's invoices, newest first: those the vendor has issued (drafts are its work in progress)."""
    return queries.list_invoices(control_session(), tenant_id=tenant_id, status=status).where(Invoice.status != "draft")


def province_invoices(tenant_id: int, status: str | None = None) -> list[Invoice]:
    return with_slugs(list(control_session().scalars(province_invoices_query(tenant_id, status))))


def csv_response(invoices: list[Invoice]) -> Response:
    body = documents.invoices_csv((i, i.tenant_slug) for i in invoices)
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="invoices.csv"'},
    )
