"""The vendor's finance pages: usage against quota of every tenant, the invoice run for a period with its
preview (written nowhere) before the drafts are made, invoices (finalise; void with a reason, after
confirmation), reconciliation with Stripe (matched and unmatched) and the alerts raised.

Each page is a route of the billing API and calls its services (``motcua_billing.invoices.api``). The
section is the vendor finance team's: every page needs the API's ACTORS (finance, admin), the roles the nav
shows it to; the API also lets operators read invoices and usage, which their tenants pages show. Changes are
audited by the same services as through the API (``billing.run``, ``billing.finalize``, ``billing.void``)."""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_smorest.pagination import PaginationParameters
from motcua_billing.alerts.services import list_alerts
from motcua_billing.catalog.services import metrics_by_code, tenant_by_slug
from motcua_billing.invoices import api as billing
from motcua_billing.invoices import lifecycle, queries, signing
from motcua_billing.invoices.models import InvoiceSignature, InvoiceStatus
from motcua_billing.invoices.schemas import STATUSES
from motcua_billing.invoices.tasks import previous_month, run_billing
from motcua_billing.payments.services import NotConfigured, push_quietly
from motcua_billing.rating.periods import parse_month
from motcua_billing.reports import services as reports
from motcua_platform.auth.models import OperatorRole
from motcua_platform.db.base import utcnow
from motcua_platform.directory.models import Tenant, TenantStatus
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.signatures.settings import SigningMisconfigured, vendor_seal_signer
from motcua_platform.signatures.signer import SigningError
from motcua_platform.web.context import control_session, runtime
from motcua_platform.web.pagination import paginate
from sqlalchemy import select

from motcua_console.finance_pages import INVOICE_STATUSES, PAYMENT_METHODS, WARN_PERCENT
from motcua_console.operator import session
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator

PAGE_SIZE = 20
REASON_MAX = 500  # as the API's VoidSchema
SHOWN = (TenantStatus.ACTIVE, TenantStatus.SUSPENDED)  # the tenants a run bills


@operator.context_processor
def finance_context() -> dict:
    principal = session.signed_in()
    return {
        "finance_acts": principal is not None and principal.has_role(*billing.ACTORS),
        "invoice_status": lambda code: _(INVOICE_STATUSES[code]) if code in INVOICE_STATUSES else code,
        "payment_method": lambda code: _(PAYMENT_METHODS[code]) if code in PAYMENT_METHODS else code,
        "last_day": lambda end: end - dt.timedelta(days=1),  # periods end on the first day after them
        "warn_percent": WARN_PERCENT,
    }


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 10_000 else 1


def _paged(query, endpoint: str, **args) -> dict:
    page = _page_number()
    pagination = PaginationParameters(page, PAGE_SIZE)
    rows = paginate(control_session(), query, pagination)
    return {
        "rows": rows,
        "page": page,
        "pages": max(1, -(-pagination.item_count // PAGE_SIZE)),
        "page_url": lambda number: url_for(endpoint, page=number, **args),
    }


def _month(raw: str | None) -> tuple[dt.date | None, str | None]:
    """A period typed as YYYY-MM, read by the API's one parser; (None, the error) when it is not one."""
    if not raw:
        return None, None
    try:
        return parse_month(raw.strip()[:20]), None
    except ValueError:
        return None, _("Write the month as YYYY-MM, e.g. 2026-10.")


# -- usage of every tenant -----------------------------------------------------------------------
@operator.get("/finance")
@operator_required(*billing.ACTORS)
def finance():
    """Every tenant's usage this period against its quota (``GET /billing/tenants/<slug>/usage``)."""
    db = control_session()
    tenants = db.execute(select(Tenant.id, Tenant.slug).where(Tenant.status.in_(SHOWN)).order_by(Tenant.slug)).all()
    summaries, without = [], []
    for tenant_id, slug in tenants:
        try:
            summaries.append(reports.usage_summary(db, tenant_id, slug))
        except NotFound:
            without.append(slug)  # no contract in force this month
    return render_template("console/operator/finance/usage.html", summaries=summaries, without=without)


# -- the invoice run -----------------------------------------------------------------------------
@operator.get("/finance/run")
@operator_required(*billing.ACTORS)
def finance_run():
    """The run's form; with a period, its preview (``GET /billing/runs/preview``), which writes nothing."""
    raw = request.args.get("period")
    month, error = _month(raw)
    values = {"period": raw if raw is not None else f"{previous_month(utcnow()):%Y-%m}"}
    if error:
        return _run_page(values, {"period": [error]}), 422
    preview = None
    if month is not None:
        try:
            preview = billing.preview(month)
        except InvalidInput as problem:  # the month has not begun
            return _run_page(values, {"period": [str(problem.message)]}), 422
    return _run_page(values, {}, preview)


def _run_page(values: dict, errors: dict, preview: dict | None = None):
    return render_template("console/operator/finance/run.html", values=values, errors=errors, preview=preview)


@operator.post("/finance/run")
@operator_required(*billing.ACTORS)
def finance_run_start():
    """Make or update the drafts of the period, as ``POST /billing/runs``."""
    raw = request.form.get("period")
    month, error = _month(raw)
    if month is None:
        return _run_page({"period": raw or ""}, {"period": [error or _("Enter the month to bill.")]}), 422
    who = session.actor()
    control_session().commit()  # end the authentication transaction; the run has its own after the drain
    try:
        report = run_billing(runtime(), month, who)
    except InvalidInput as problem:
        return _run_page({"period": raw}, {"period": [str(problem.message)]}), 422
    flash(
        _(
            "The drafts for %(period)s are ready: %(created)s new, %(updated)s updated. Check them, then finalise "
            "each one.",
            period=report["period"],
            created=len(report["created"]),
            updated=len(report["updated"]),
        ),
        "success",
    )
    return redirect(url_for("operator.finance_invoices", period=report["period"], status="draft"), 303)


# -- invoices ------------------------------------------------------------------------------------
def _invoice_filters() -> tuple[dict, dict]:
    """The list's filters from the address (the API's: tenant, status, period), and their query."""
    shown = {
        "tenant": (request.args.get("tenant") or "").strip()[:30],
        "status": request.args.get("status") if request.args.get("status") in STATUSES else "",
        "period": (request.args.get("period") or "").strip()[:7],
    }
    month, _error = _month(shown["period"])
    if month is None:
        shown["period"] = ""
    db = control_session()
    tenant_id = tenant_by_slug(db, shown["tenant"]).id if shown["tenant"] else None
    query = queries.list_invoices(db, tenant_id=tenant_id, status=shown["status"] or None, period=month)
    return shown, query


@operator.get("/finance/invoices")
@operator_required(*billing.ACTORS)
def finance_invoices():
    shown, query = _invoice_filters()
    listed = _paged(query, "operator.finance_invoices", **{k: v for k, v in shown.items() if v})
    billing.with_slugs(listed["rows"])
    return render_template(
        "console/operator/finance/invoices.html",
        shown=shown,
        statuses=[(code, _(INVOICE_STATUSES[code])) for code in STATUSES],
        **listed,
    )


@operator.get("/finance/invoices.csv")
@operator_required(*billing.ACTORS)
def finance_invoices_csv():
    _shown, query = _invoice_filters()
    return billing.csv_response(billing.with_slugs(list(control_session().scalars(query))))


def _invoice_page(invoice_id: int, *, errors: dict | None = None, values: dict | None = None, void: bool = False):
    db = control_session()
    invoice = billing.with_slugs([queries.get_invoice(db, invoice_id)])[0]
    payments = list(db.scalars(queries.list_payments(invoice_id=invoice_id)))
    signature = db.get(InvoiceSignature, invoice_id)
    principal = session.signed_in()
    return render_template(
        "console/operator/finance/invoice.html" if not void else "console/operator/finance/void.html",
        invoice=invoice,
        payments=payments,
        signature=signature,
        signable=signature is None
        and invoice.status in signing.SIGNABLE
        and principal is not None
        and principal.has_role(OperatorRole.FINANCE),
        voidable=invoice.status == InvoiceStatus.DRAFT
        or (invoice.status == InvoiceStatus.FINALIZED and not invoice.amount_paid_vnd),
        errors=errors or {},
        values=values or {},
    )


@operator.get("/finance/invoices/<int:invoice_id>")
@operator_required(*billing.ACTORS)
def finance_invoice(invoice_id: int):
    return _invoice_page(invoice_id)


@operator.get("/finance/invoices/<int:invoice_id>/pdf")
@operator_required(*billing.ACTORS)
def finance_invoice_pdf(invoice_id: int):
    return billing.pdf_response(queries.get_invoice(control_session(), invoice_id))


@operator.post("/finance/invoices/<int:invoice_id>/finalize")
@operator_required(*billing.ACTORS)
def finance_finalize(invoice_id: int):
    """As ``POST /billing/invoices/<id>/finalize``: recompute, number, freeze; then push it to Stripe."""
    db = control_session()
    invoice = lifecycle.finalize(db, session.actor(), invoice_id)
    db.commit()  # the push reads the finalized invoice in a transaction of its own, as the API's route
    push_quietly(runtime(), invoice.id)
    flash(_("Invoice %(number)s is issued.", number=invoice.display_number), "success")
    return redirect(url_for("operator.finance_invoice", invoice_id=invoice_id), 303)


@operator.post("/finance/invoices/<int:invoice_id>/sign")
@operator_required(OperatorRole.FINANCE)
def finance_sign(invoice_id: int):
    """As ``POST /billing/invoices/<id>/sign``: the vendor's seal on the finalized invoice's PDF (finance only)."""
    config = runtime().config
    try:
        signing.sign_invoice(control_session(), session.actor(), invoice_id, vendor_seal_signer(config), config)
    except (Conflict, NotFound, SigningError, SigningMisconfigured) as error:
        flash(str(error.message), "error")
        return redirect(url_for("operator.finance_invoice", invoice_id=invoice_id), 303)
    flash(_("The invoice is signed: its PDF is now the signed file."), "success")
    return redirect(url_for("operator.finance_invoice", invoice_id=invoice_id), 303)


@operator.route("/finance/invoices/<int:invoice_id>/void", methods=["GET", "POST"])
@operator_required(*billing.ACTORS)
def finance_void(invoice_id: int):
    """Void after confirmation, with the reason the API requires (``POST /billing/invoices/<id>/void``)."""
    if request.method == "GET":
        return _invoice_page(invoice_id, void=True)
    reason = (request.form.get("reason") or "").strip()
    if not reason or len(reason) > REASON_MAX:
        message = (
            _("Give the reason for voiding this invoice.")
            if not reason
            else _("Keep the reason under %(max)s characters.", max=REASON_MAX)
        )
        return _invoice_page(invoice_id, errors={"reason": [message]}, values={"reason": reason}, void=True), 422
    invoice = lifecycle.void(control_session(), session.actor(), invoice_id, reason)
    flash(_("The invoice is void; its usage can be billed again."), "success")
    return redirect(url_for("operator.finance_invoice", invoice_id=invoice.id), 303)


# -- reconciliation and alerts -------------------------------------------------------------------
@operator.get("/finance/reconciliation")
@operator_required(*billing.ACTORS)
def finance_reconciliation():
    """Stripe against our invoices (``GET /billing/reconciliation``), when asked: it calls Stripe once per
    invoice, so opening the page does not."""
    report, problem = None, None
    if request.args.get("check"):
        try:
            report = billing.reconcile()
        except NotConfigured as error:
            problem = str(error.message)
    return render_template("console/operator/finance/reconciliation.html", report=report, problem=problem)


@operator.get("/finance/alerts")
@operator_required(*billing.ACTORS)
def finance_alerts():
    """The alerts raised, newest first (``GET /billing/alerts``): metric, threshold, when, who was told."""
    slug = (request.args.get("tenant") or "").strip()[:30]
    tenant_id = tenant_by_slug(control_session(), slug).id if slug else None
    listed = _paged(list_alerts(tenant_id=tenant_id), "operator.finance_alerts", **({"tenant": slug} if slug else {}))
    billing.with_slugs(listed["rows"])
    metric_names = {code: metric.name for code, metric in metrics_by_code(control_session()).items()}
    return render_template("console/operator/finance/alerts.html", tenant=slug, metric_names=metric_names, **listed)
