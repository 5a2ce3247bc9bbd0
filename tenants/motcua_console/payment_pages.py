"""Fee payments in the console (``motcua_onestop.payments``, the API's services called the same way):

- on an officer's dossier page, the dossier's fees and payments, the receipts, and the form to record what
  the applicant paid at the counter (cash, or a bank transfer with its reference);
- the province's fee payments page for finance viewers and the tenant admin: the latest payments, the
  refunds due (the admin asks the gateway for one; a failure stays listed with the gateway's answer), and
  the reconciliation of a period against the gateway (a lost notification settled by the admin);
- the merchant settings, for the tenant admin (the secret write-only)."""

from __future__ import annotations

import datetime as dt

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.http import caller_units
from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.payments import api as payments_api
from motcua_onestop.payments import reconciliation, refunds, services
from motcua_onestop.payments import settings as merchant
from motcua_onestop.payments.models import Payment
from motcua_platform.db.written import written
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.web.context import runtime, tenant_context, tenant_session
from motcua_platform.web.principals import province_principal
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_console import session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.config_access import holds_on_province, province_admin_required
from motcua_console.dossier_panels import panel
from motcua_console.labels import N_
from motcua_console.officer_pages import detail_page

METHODS = {"online": N_("Online"), "cash": N_("Cash"), "transfer": N_("Bank transfer")}
STATES = {
    "pending": N_("Waiting for the gateway"),
    "paid": N_("Paid"),
    "failed": N_("Not paid"),
    "refunded": N_("Refunded"),
}
PROBLEMS = {
    reconciliation.PAID_HERE_ONLY: N_("Recorded paid here, not paid at the gateway"),
    reconciliation.PAID_THERE_ONLY: N_("Paid at the gateway, not recorded here"),
    reconciliation.AMOUNT: N_("Not the same amount"),
    reconciliation.TRANSACTION: N_("Not the same transaction"),
    reconciliation.UNKNOWN_THERE: N_("Unknown to the gateway"),
    reconciliation.UNANSWERED: N_("The gateway did not answer"),
}
REASONS = {
    "withdrawn_before_intake": N_("Withdrawn before intake"),
    "refused_at_intake": N_("Refused at intake"),
    "paid_twice": N_("Paid twice"),
}
CLOSED = (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED)


@console.context_processor
def payment_words() -> dict:
    return {
        "payment_method_name": lambda code: _(METHODS[code]) if code in METHODS else code or "",
        "payment_state_name": lambda code: _(STATES[code]) if code in STATES else code,
        "reads_fee_payments": lambda: holds_on_province(*payments_api.READERS),
    }


@panel
def payments_panel(db: Session, dossier: Dossier) -> dict:
    owed = services.outstanding(db, dossier)
    return {
        "fee_payments": services.payments_of(db, dossier),
        "fee_outstanding": owed,
        "can_take_payment": owed > 0 and dossier.status not in CLOSED,
    }


def _amount(raw: str) -> int | None:
    digits = raw.replace(".", "").replace(",", "").replace(" ", "")
    return int(digits) if digits.isascii() and digits.isdecimal() and len(digits) <= 15 else None


@console.post("/dossiers/<code>/payments")
@staff_required
def take_payment(code: str):
    """What the applicant paid at the counter, as ``POST /api/v1/dossiers/<code>/payments``."""
    values = {name: (request.form.get(name) or "").strip() for name in ("method", "amount", "reference")}
    db = tenant_session()
    row = dossiers.get_dossier(db, code, caller_units(), lock=True)
    amount = _amount(values["amount"])
    if amount is None:
        return detail_page(row, errors={"amount": [_("A whole number of đồng.")]}, values=values), 422
    try:
        services.record_counter(
            db,
            session.actor(),
            row,
            method=values["method"],
            amount=amount,
            reference=values["reference"],
            tenant=tenant_context(),
        )
    except InvalidInput as error:
        errors = {name: [str(m) for m in messages] for name, messages in error.errors.items()}
        return detail_page(row, errors=errors, values=values), 422
    except Conflict as error:
        return detail_page(row, conflict=str(error.message), values=values), 409
    flash(_("The payment is recorded."), "success")
    return redirect(url_for("console.dossier", code=code, _anchor="payments"), 303)


@console.get("/dossiers/<code>/payments/<int:payment_id>/receipt.pdf")
@staff_required
def payment_receipt(code: str, payment_id: int) -> Response:
    db = tenant_session()
    row = dossiers.get_dossier(db, code, caller_units())
    return payments_api.receipt_response(db, payments_api.payment_of(db, row, payment_id), row)


# -- the province's fee payments -------------------------------------------------------------------
def _day(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@console.get("/fee-payments")
@staff_required
def fee_payments():
    province_principal(*payments_api.READERS)
    db = tenant_session()
    query = (
        select(Payment, Dossier.code)
        .join(Dossier, Dossier.id == Payment.dossier_id)
        .order_by(Payment.id.desc())
        .limit(written(50))  # (ADR 0067)
    )
    since, until, lines, problem = _day("from"), _day("to"), None, None
    if "from" in request.args or "to" in request.args:
        try:
            if since is None or until is None:
                raise InvalidInput(_("The period was not accepted."), {"from": [_("Give two days.")]})
            services.check_period(since, until, payments_api.RECONCILE_DAYS)
            lines = reconciliation.reconcile(db, *payments_api.day_bounds(since, until))
        except (InvalidInput, Conflict) as error:
            problem = str(error.message)
    return render_template(
        "console/fee_payments.html",
        payments=db.execute(query).all(),
        due=refunds.due(db),
        lines=lines,
        problem=problem,
        since=request.args.get("from", ""),
        until=request.args.get("to", ""),
        problems={code: _(text) for code, text in PROBLEMS.items()},
        reasons={code: _(text) for code, text in REASONS.items()},
        can_act=holds_on_province(*payments_api.MANAGERS),
        online=merchant.gateway_for(merchant.current(db)) is not None,
    )


@console.post("/fee-payments/<int:payment_id>/refund")
@staff_required
def refund_fee(payment_id: int):
    province_principal(*payments_api.MANAGERS)
    try:
        done = refunds.refund(
            tenant_session(), session.actor(), payment_id, client_ip=request.remote_addr or "127.0.0.1"
        )
    except Conflict as error:
        flash(str(error.message), "error")
    else:
        if done.refund_error:
            flash(_("The gateway did not make the refund: %(error)s", error=done.refund_error), "error")
        else:
            flash(_("The payment is refunded."), "success")
    return redirect(url_for("console.fee_payments"), 303)


@console.post("/fee-payments/<int:payment_id>/settle")
@staff_required
def settle_fee(payment_id: int):
    province_principal(*payments_api.MANAGERS)
    try:
        reconciliation.settle_from_gateway(tenant_session(), session.actor(), payment_id, tenant=tenant_context())
    except Conflict as error:
        flash(str(error.message), "error")
    else:
        flash(_("The payment is recorded from the gateway's answer."), "success")
    return redirect(url_for("console.fee_payments"), 303)


# -- merchant settings ------------------------------------------------------------------------------
SETTING_FIELDS = ("merchant_code", "pay_url", "api_url")


@console.route("/payment-settings", methods=["GET", "POST"])
@province_admin_required
def payment_settings():
    db = tenant_session()
    shown = merchant.describe(merchant.current(db))
    if request.method == "GET":
        return render_template("console/payment_settings.html", settings=shown, values=shown, errors={})
    values = {name: (request.form.get(name) or "").strip() for name in SETTING_FIELDS}
    values["enabled"] = request.form.get("enabled") == "on"
    secret = request.form.get("secret") or None
    try:
        merchant.change(
            db,
            session.actor(),
            enabled=values["enabled"],
            secret=secret,
            local_addresses=runtime().config.testing,
            **{n: values[n] or None for n in SETTING_FIELDS},
        )
    except InvalidInput as error:
        errors = {name: [str(m) for m in messages] for name, messages in error.errors.items()}
        return render_template("console/payment_settings.html", settings=shown, values=values, errors=errors), 422
    flash(_("The payment settings are saved."), "success")
    return redirect(url_for("console.payment_settings"), 303)
