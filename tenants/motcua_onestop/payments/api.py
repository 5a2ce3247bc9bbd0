"""Fee payments on a tenant host: the payer's fees and online payment (citizen token), the gateway's
notification (signed, no token), counter payments and receipts (officers of the dossier's units), the
merchant settings (the province's tenant admin), and the finance views: payments, refunds due, refunds,
reconciliation (finance viewers read; the tenant admin acts)."""

from __future__ import annotations

import datetime as dt

from flask import Response, request
from flask.views import MethodView
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.db.base import utcnow
from motcua_platform.db.written import written
from motcua_platform.errors import NotFound
from motcua_platform.i18n import _, current_locale
from motcua_platform.rendering.pdf import find_font
from motcua_platform.timezones import VIETNAM
from motcua_platform.web.blueprint import ACCEPTS_ANY_QUERY, Blueprint
from motcua_platform.web.context import runtime, tenant_context, tenant_session
from motcua_platform.web.principals import CITIZEN_SECURITY, actor, province_principal
from sqlalchemy import select

from motcua_onestop.citizens.api import current_citizen
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.http import caller_units
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.payments import receipt, reconciliation, refunds, services
from motcua_onestop.payments import settings as merchant
from motcua_onestop.payments.models import Payment
from motcua_onestop.payments.schemas import (
    CounterFeePaymentSchema,
    FeePaymentSchema,
    FeePaymentStartedSchema,
    FeeReconciliationArgsSchema,
    FeeReconciliationLineSchema,
    FeeRefundDueSchema,
    GatewayFieldsSchema,
    GatewayNotificationAnswerSchema,
    MerchantSettingsSchema,
    OwnFeesSchema,
)

blp = Blueprint(
    "payments",
    __name__,
    url_prefix="/api/v1",
    realm="tenant",
    description="Fee payments online and at the counter; receipts, refunds, reconciliation.",
)

READERS = (StaffRoleName.FINANCE_VIEWER, StaffRoleName.TENANT_ADMIN)
MANAGERS = (StaffRoleName.TENANT_ADMIN,)
RECEIPT_DOC = {
    "responses": {
        "200": {"description": "The receipt as PDF", "content": {"application/pdf": {}}},
        "409": {"description": "The payment is not paid."},
    }
}
RECONCILE_DAYS = 93  # a quarter at most: each order is one call to the gateway


def payment_view(payment: Payment, dossier_code: str) -> dict:
    return {**{c.key: getattr(payment, c.key) for c in Payment.__table__.columns}, "dossier_code": dossier_code}


def fees_view(session, dossier: Dossier) -> dict:
    return {
        "total_fee": dossier.total_fee,
        "outstanding": services.outstanding(session, dossier),
        "due_stage": services.due_stage(dossiers.procedure_of(session, dossier)),
        "can_pay_online": services.can_pay_online(session, dossier),
        "payment_method": dossier.payment_method,
        "payments": services.payments_of(session, dossier),
    }


def return_url() -> str:
    """Where the gateway sends the payer back: the portal's return page on the host they came from."""
    return request.host_url + "payments/return"


def receipt_response(session, payment: Payment, dossier: Dossier) -> Response:
    body = receipt.render(session, payment, dossier, tenant_context(), find_font(runtime().config.pdf_font))
    name = receipt.filename(payment)
    return Response(body, mimetype="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


def payment_of(session, dossier: Dossier, payment_id: int) -> Payment:
    """One of ``dossier``'s payments; another dossier's is a 404 like one that does not exist."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.dossier_id != dossier.id:
        raise NotFound(_("No payment %(id)s.", id=payment_id))
    return payment


# -- the payer ------------------------------------------------------------------------------------
@blp.route("/my/dossiers/<code>/payments")
class OwnPayments(MethodView):
    @blp.response(200, OwnFeesSchema)
    @blp.doc(security=CITIZEN_SECURITY)
    def get(self, code):
        """One's own dossier's fees: the total, what is still owed, when it is due (before intake or before the
        result, per procedure), whether it can be paid online now, and its payments."""
        session = tenant_session()
        return fees_view(session, dossiers.get_own_dossier(session, code, current_citizen().id))

    @blp.response(201, FeePaymentStartedSchema)
    @blp.alt_response(409, description="Nothing to pay now, or the province does not take payments online.")
    @blp.doc(security=CITIZEN_SECURITY)
    def post(self, code):
        """Start paying one's own dossier's fees online: a new order, and the gateway address to send the
        payer's browser to. The payment is recorded when the gateway notifies it, never by this call."""
        citizen = current_citizen()
        session = tenant_session()
        dossier = dossiers.get_own_dossier(session, code, citizen.id, lock=True)
        started = services.start_online(
            session,
            citizen.actor(request.remote_addr),
            dossier,
            return_url=return_url(),
            client_ip=request.remote_addr or "127.0.0.1",
            locale=current_locale(),
        )
        return {"payment": started.payment, "pay_url": started.url}, 201


@blp.route("/my/dossiers/<code>/payments/<int:payment_id>/receipt.pdf")
@blp.doc(**RECEIPT_DOC)
@blp.doc(security=CITIZEN_SECURITY)
def own_receipt(code, payment_id):
    """The receipt of a paid payment of one's own dossier."""
    session = tenant_session()
    dossier = dossiers.get_own_dossier(session, code, current_citizen().id)
    return receipt_response(session, payment_of(session, dossier, payment_id), dossier)


# -- the gateway ----------------------------------------------------------------------------------
@blp.route("/payments/vnpay/ipn")
@blp.arguments(GatewayFieldsSchema, location="query")
@blp.response(200, GatewayNotificationAnswerSchema)
@blp.doc(security=[])
def vnpay_notification(_fields):
    """The gateway's server-to-server notification of an order's outcome (the `vnp_*` fields in the query
    string, signed with the province's hash secret). The one thing that records an online payment; refused
    with nothing recorded when forged (97), for an unknown order (01), of another amount (04), or about an
    order settled already (02: a replay or a late notification never changes it). The signature is checked
    over the fields as received."""
    session = tenant_session()
    try:
        code, message = services.notify(session, request.args.to_dict(), tenant=tenant_context())
    except Exception:
        session.rollback()
        services.log.exception("payment notification failed")
        code, message = services.UNKNOWN_ERROR
    return {"RspCode": code, "Message": message}


# the gateway may add fields: every vnp_ field as received is under the signature, checked in services.notify
setattr(vnpay_notification, ACCEPTS_ANY_QUERY, True)


# -- officers -------------------------------------------------------------------------------------
@blp.route("/dossiers/<code>/payments")
class DossierPayments(MethodView):
    @blp.response(200, FeePaymentSchema(many=True))
    def get(self, code):
        """The dossier's payments (officers of its units)."""
        session = tenant_session()
        dossier = dossiers.get_dossier(session, code, caller_units())
        return [payment_view(p, dossier.code) for p in services.payments_of(session, dossier)]

    @blp.arguments(CounterFeePaymentSchema)
    @blp.response(201, FeePaymentSchema)
    @blp.alt_response(409, description="Nothing to pay, or the dossier is closed.")
    def post(self, body, code):
        """Record the dossier's fees taken at the counter: cash, or a bank transfer with its reference; the
        whole fee. A dossier waiting for the payment (status 6) goes back to processing. Audited."""
        session = tenant_session()
        dossier = dossiers.get_dossier(session, code, caller_units(), lock=True)
        payment = services.record_counter(
            session,
            actor(),
            dossier,
            method=body["method"],
            amount=body["amount"],
            reference=body.get("reference"),
            tenant=tenant_context(),
        )
        return payment_view(payment, dossier.code), 201


@blp.route("/dossiers/<code>/payments/<int:payment_id>/receipt.pdf")
@blp.doc(**RECEIPT_DOC)
def dossier_receipt(code, payment_id):
    """The receipt of a paid payment of the dossier (officers of its units)."""
    session = tenant_session()
    dossier = dossiers.get_dossier(session, code, caller_units())
    return receipt_response(session, payment_of(session, dossier, payment_id), dossier)


# -- the province: settings and finance -------------------------------------------------------------
@blp.route("/province/payment-settings")
class PaymentSettingsView(MethodView):
    @blp.response(200, MerchantSettingsSchema)
    def get(self):
        """The province's merchant account at its gateway; whether a secret is set, never the secret."""
        province_principal(*MANAGERS)
        return merchant.describe(merchant.current(tenant_session()))

    @blp.arguments(MerchantSettingsSchema)
    @blp.response(200, MerchantSettingsSchema)
    def put(self, body):
        """Set the merchant account (422 with every problem, nothing saved); without `secret` the stored
        one is kept. Switching on needs the merchant code, both addresses and a secret of 32 characters or
        more; addresses are https, outside the platform's own networks. Audited, the secret never."""
        province_principal(*MANAGERS)
        return merchant.change(tenant_session(), actor(), **body, local_addresses=runtime().config.testing)


@blp.route("/payments")
@blp.response(200, FeePaymentSchema(many=True))
def recent_payments():
    """The province's latest 200 payments, newest first (finance viewers, the tenant admin)."""
    province_principal(*READERS)
    query = (
        select(Payment, Dossier.code)
        .join(Dossier, Dossier.id == Payment.dossier_id)
        .order_by(Payment.id.desc())
        .limit(written(200))  # (ADR 0067)
    )
    return [payment_view(p, code) for p, code in tenant_session().execute(query)]


@blp.route("/payments/refunds")
@blp.response(200, FeeRefundDueSchema(many=True))
def refunds_due():
    """The online payments to give back (withdrawn before intake, or paid twice), with the last refund
    attempt's error when one failed."""
    province_principal(*READERS)
    session = tenant_session()
    return [
        {"payment": payment_view(row["payment"], row["dossier_code"]), "reason": row["reason"]}
        for row in refunds.due(session)
    ]


@blp.route("/payments/<int:payment_id>/refund", methods=["POST"])
@blp.response(200, FeePaymentSchema)
@blp.alt_response(409, description="The payment is not to be refunded, or online payment is off.")
def refund_payment(payment_id):
    """Ask the gateway to give the payment back (the tenant admin). Recorded whether it works or not: a
    refusal or silence is kept as the payment's `refund_error`."""
    province_principal(*MANAGERS)
    session = tenant_session()
    payment = refunds.refund(session, actor(), payment_id, client_ip=request.remote_addr or "127.0.0.1")
    return payment_view(payment, session.get(Dossier, payment.dossier_id).code)


@blp.route("/payments/<int:payment_id>/settle", methods=["POST"])
@blp.response(200, FeePaymentSchema)
@blp.alt_response(409, description="The gateway does not confirm the payment, or it is settled already.")
def settle_payment(payment_id):
    """Record an online payment whose notification never came, once the gateway's query confirms it (the
    tenant admin, from the reconciliation)."""
    province_principal(*MANAGERS)
    session = tenant_session()
    payment = reconciliation.settle_from_gateway(session, actor(), payment_id, tenant=tenant_context())
    return payment_view(payment, session.get(Dossier, payment.dossier_id).code)


def day_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(since, dt.time(), VIETNAM)
    return start, dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), VIETNAM)


@blp.route("/payments/reconciliation")
@blp.arguments(FeeReconciliationArgsSchema, location="query")
@blp.response(200, FeeReconciliationLineSchema(many=True))
def reconcile(args):
    """Each online order made between two days (Vietnam time, at most 93 days), as recorded here and as the
    gateway's query answers, with the difference if any."""
    province_principal(*READERS)
    since, until = args["since"], args["until"]
    services.check_period(since, until, RECONCILE_DAYS)
    start, end = day_bounds(since, until)
    return reconciliation.reconcile(tenant_session(), start, end, now=utcnow())
