"""The province's finance pages (read-only): usage against quota per metric this billing period, the
overage budget per contract year, invoices (with their lines, PDF and CSV), payments and the quota and
budget alerts raised.

Who may read them, and what they show, is the ``/api/v1/my-billing`` API's: ``province_finance`` (a finance
viewer or tenant admin of the province itself; anyone else 403), the same report and invoice queries. There
is no form here: a finance viewer reads and never writes."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from motcua_billing.alerts.services import list_alerts
from motcua_billing.catalog.services import metrics_by_code
from motcua_billing.invoices import api as billing
from motcua_billing.invoices import queries
from motcua_billing.reports import services as reports
from motcua_platform.errors import NotFound
from motcua_platform.web.context import control_session, current_tenant
from motcua_platform.web.pagination import paginate

from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.config_access import holds_on_province
from motcua_console.labels import N_

PAGE_SIZE = 20
INVOICE_STATUSES = {
    "finalized": N_("Issued, awaiting payment"),
    "paid": N_("Paid"),
    "void": N_("Void"),
    "draft": N_("Draft"),
}
PAYMENT_METHODS = {"bank_transfer": N_("Bank transfer"), "cash": N_("Cash"), "stripe": N_("Card (Stripe)")}
WARN_PERCENT = 80  # the alert threshold from which a metric is flagged on the page as well


def finance_required(view):
    """Pages of the province's finance: signed in, then the my-billing API's own check (403 otherwise)."""

    @wraps(view)
    @staff_required
    def wrapper(*args, **kwargs):
        return view(billing.province_finance(), *args, **kwargs)

    return wrapper


@console.context_processor
def finance_link() -> dict:
    """Whether the nav shows "Finance": only to those the pages would not refuse."""

    def reads_finance() -> bool:
        return holds_on_province(*billing.PROVINCE_FINANCE)

    return {
        "reads_finance": reads_finance,
        "invoice_status": lambda code: _(INVOICE_STATUSES[code]) if code in INVOICE_STATUSES else code,
        "payment_method": lambda code: _(PAYMENT_METHODS[code]) if code in PAYMENT_METHODS else code,
        # billing periods, contract years and invoice lines end on the first day after them
        "last_day": lambda end: end - dt.timedelta(days=1),
    }


def _metric_names() -> dict[str, str]:
    return {code: metric.name for code, metric in metrics_by_code(control_session()).items()}


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10_000 else 1


def _page(query, *, size: int = PAGE_SIZE) -> tuple[list, int, int]:
    """One page of ``query`` (the page number from the address), the page number and how many pages."""
    page = _page_number()
    pagination = PaginationParameters(page, size)
    rows = paginate(control_session(), query, pagination)
    return rows, page, max(1, -(-pagination.item_count // size))


@console.get("/finance")
@finance_required
def finance(tenant_id: int):
    db = control_session()
    slug = current_tenant().slug
    try:
        usage = reports.usage_summary(db, tenant_id, slug)
    except NotFound:
        usage = None  # no contract in force this month: no quota to measure against
    try:
        budget = billing.budget_of(db, tenant_id, slug)
    except NotFound:
        budget = None
    alerts = billing.province_view(tenant_id, list(db.scalars(list_alerts(tenant_id=tenant_id).limit(5))))
    return render_template(
        "console/finance/overview.html",
        usage=usage,
        budget=budget,
        alerts=alerts,
        metric_names=_metric_names(),
        warn_percent=WARN_PERCENT,
    )


@console.get("/finance/invoices")
@finance_required
def finance_invoices(tenant_id: int):
    invoices, page, pages = _page(billing.province_invoices_query(tenant_id))
    return render_template(
        "console/finance/invoices.html",
        invoices=invoices,
        page=page,
        pages=pages,
        page_url=lambda number: url_for("console.finance_invoices", page=number),
    )


@console.get("/finance/invoices/<int:invoice_id>")
@finance_required
def finance_invoice(tenant_id: int, invoice_id: int):
    invoice = billing.province_invoice(tenant_id, invoice_id)
    payments = list(control_session().scalars(queries.list_payments(tenant_id=tenant_id, invoice_id=invoice_id)))
    return render_template("console/finance/invoice.html", invoice=invoice, payments=payments)


@console.get("/finance/invoices/<int:invoice_id>/pdf")
@finance_required
def finance_invoice_pdf(tenant_id: int, invoice_id: int):
    return billing.pdf_response(billing.province_invoice(tenant_id, invoice_id))


@console.get("/finance/invoices.csv")
@finance_required
def finance_invoices_csv(tenant_id: int):
    return billing.csv_response(billing.province_invoices(tenant_id))


@console.get("/finance/payments")
@finance_required
def finance_payments(tenant_id: int):
    rows, page, pages = _page(queries.list_payments(tenant_id=tenant_id))
    return render_template(
        "console/finance/payments.html",
        payments=queries.numbered(control_session(), rows),
        page=page,
        pages=pages,
        page_url=lambda number: url_for("console.finance_payments", page=number),
    )


@console.get("/finance/alerts")
@finance_required
def finance_alerts(tenant_id: int):
    rows, page, pages = _page(list_alerts(tenant_id=tenant_id))
    return render_template(
        "console/finance/alerts.html",
        alerts=billing.province_view(tenant_id, rows),
        metric_names=_metric_names(),
        page=page,
        pages=pages,
        page_url=lambda number: url_for("console.finance_alerts", page=number),
    )
