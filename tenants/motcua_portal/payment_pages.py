"""Paying a dossier's fees on the portal: the fees on one's own dossier page (and on the page after
submitting, when the procedure is paid before intake), the button that sends the payer to the province's
gateway, the page the gateway sends them back to, and the receipt. The services are the API's
(``motcua_onestop.payments``): the gateway's notification records a payment; the page the payer comes back
to only shows what is recorded, after checking the gateway's signature."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.payments import api as payments_api
from motcua_onestop.payments import services
from motcua_platform.errors import Conflict
from motcua_platform.i18n import current_locale
from motcua_platform.web.context import tenant_session
from sqlalchemy.orm import Session

from motcua_portal import labels, session
from motcua_portal.account_pages import citizen_required
from motcua_portal.blueprint import portal


def fees_of(db: Session, dossier: Dossier) -> dict:
    """What the dossier's pages show of its fees."""
    return payments_api.fees_view(db, dossier) | {"payable_now": services.payable_now(db, dossier)}


@portal.post("/my/dossiers/<code>/pay")
@citizen_required
def my_dossier_pay(code: str):
    """A new order at the province's gateway, and a page with the link that takes the payer there. A link,
    not a redirect: the pages' Content-Security-Policy lets a form go only to our own host (form-action
    'self', which browsers apply to the redirect after a form too); following a link is not a form."""
    db = tenant_session()
    dossier = dossiers.get_own_dossier(db, code, session.signed_in().id, lock=True)
    try:
        started = services.start_online(
            db,
            session.actor(),
            dossier,
            return_url=url_for("site.payment_return", _external=True),
            client_ip=request.remote_addr or "127.0.0.1",
            locale=current_locale(),
        )
    except Conflict as error:
        flash(str(error.message), "error")
        return redirect(url_for("site.my_dossier", code=code, _anchor="fees"), 303)
    return render_template("portal/payment_go.html", dossier=dossier, payment=started.payment, url=started.url)


@portal.get("/payments/return")
def payment_return():
    """Where the gateway sends the payer back: the signed answer checked, then the payment as recorded."""
    returned = services.check_return(tenant_session(), request.args.to_dict())
    citizen = session.signed_in()
    return render_template(
        "portal/payment_return.html",
        payment=returned.payment,
        dossier=returned.dossier,
        told_paid=returned.outcome.succeeded,
        owner=citizen is not None and citizen.id == returned.dossier.citizen_account_id,
    )


@portal.get("/my/dossiers/<code>/payments/<int:payment_id>/receipt.pdf")
@citizen_required
def my_payment_receipt(code: str, payment_id: int):
    db = tenant_session()
    dossier = dossiers.get_own_dossier(db, code, session.signed_in().id)
    return payments_api.receipt_response(db, payments_api.payment_of(db, dossier, payment_id), dossier)


@portal.context_processor
def payment_words() -> dict:
    return {
        "payment_method_name": lambda code: _(labels.PAYMENT_METHODS[code]) if code in labels.PAYMENT_METHODS else "",
        "payment_state_name": lambda code: _(labels.PAYMENT_STATES[code]) if code in labels.PAYMENT_STATES else code,
    }
