"""The payments API's bodies: payments as recorded, an online order started, a counter payment, the
merchant settings (the secret write-only), refunds due and reconciliation lines."""

from marshmallow import INCLUDE, fields, validate
from motcua_platform.web.schema import Schema

STATES = ["pending", "paid", "failed", "refunded"]
METHODS = ["online", "cash", "transfer"]


class FeePaymentSchema(Schema):
    id = fields.Integer()
    dossier_code = fields.String()
    amount = fields.Integer(metadata={"description": "Whole đồng."})
    method = fields.String(metadata={"enum": METHODS})
    state = fields.String(metadata={"enum": STATES})
    order_ref = fields.String(allow_none=True, metadata={"description": "Our reference at the gateway."})
    gateway_txn = fields.String(allow_none=True, metadata={"description": "The gateway's transaction number."})
    bank_code = fields.String(allow_none=True)
    reference = fields.String(allow_none=True, metadata={"description": "A counter payment's reference."})
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    refunded_at = fields.DateTime(allow_none=True)
    refund_attempts = fields.Integer()
    refund_error = fields.String(allow_none=True)


class OwnFeePaymentSchema(Schema):
    """What the payer sees of a payment."""

    id = fields.Integer()
    amount = fields.Integer()
    method = fields.String(metadata={"enum": METHODS})
    state = fields.String(metadata={"enum": STATES})
    order_ref = fields.String(allow_none=True)
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)
    refunded_at = fields.DateTime(allow_none=True)


class OwnFeesSchema(Schema):
    total_fee = fields.Integer(metadata={"description": "The dossier's fees, whole đồng."})
    outstanding = fields.Integer(metadata={"description": "Still to pay."})
    due_stage = fields.String(
        metadata={"enum": ["intake", "result"], "description": "When the procedure's fees are due."}
    )
    can_pay_online = fields.Boolean()
    payment_method = fields.String(allow_none=True, metadata={"enum": METHODS})
    payments = fields.List(fields.Nested(OwnFeePaymentSchema))


class FeePaymentStartedSchema(Schema):
    payment = fields.Nested(OwnFeePaymentSchema)
    pay_url = fields.String(metadata={"description": "Send the payer's browser here (the province's gateway)."})


class CounterFeePaymentSchema(Schema):
    method = fields.String(required=True, validate=validate.OneOf(["cash", "transfer"]))
    amount = fields.Integer(required=True, validate=validate.Range(min=1, max=10**15))
    reference = fields.String(allow_none=True, validate=validate.Length(max=100))


class MerchantSettingsSchema(Schema):
    enabled = fields.Boolean(required=True)
    gateway = fields.String(load_default="vnpay", validate=validate.OneOf(["vnpay"]))
    merchant_code = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=40),
        metadata={"description": "The province's merchant code at the gateway (vnp_TmnCode)."},
    )
    pay_url = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "Where payers are sent to pay."},
    )
    api_url = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=500),
        metadata={"description": "The gateway's merchant API (query, refund)."},
    )
    secret = fields.String(
        load_only=True,
        validate=validate.Length(max=200),
        metadata={"description": "The hash secret (write-only; leave it out to keep the one set)."},
    )
    secret_set = fields.Boolean(dump_only=True)
    updated_at = fields.DateTime(dump_only=True, allow_none=True)


class FeeRefundDueSchema(Schema):
    payment = fields.Nested(FeePaymentSchema)
    reason = fields.String(metadata={"enum": ["withdrawn_before_intake", "refused_at_intake", "paid_twice"]})


class FeeReconciliationArgsSchema(Schema):
    since = fields.Date(required=True, data_key="from", metadata={"description": "First day (inclusive)."})
    until = fields.Date(required=True, data_key="to", metadata={"description": "Last day (inclusive)."})


class FeeReconciliationLineSchema(Schema):
    payment_id = fields.Integer()
    dossier_code = fields.String()
    order_ref = fields.String()
    amount = fields.Integer()
    state = fields.String(metadata={"enum": STATES})
    gateway_txn = fields.String(allow_none=True)
    gateway_paid = fields.Boolean(allow_none=True, metadata={"description": "None: the gateway has no such order."})
    gateway_amount = fields.Integer(allow_none=True)
    gateway_txn_there = fields.String(allow_none=True)
    problem = fields.String(
        allow_none=True,
        metadata={
            "enum": ["paid_here_only", "paid_there_only", "amount", "transaction", "unknown_there", "unanswered", None]
        },
    )


class GatewayNotificationAnswerSchema(Schema):
    RspCode = fields.String(
        metadata={
            "description": "00 confirmed; 01 order not found; 02 already confirmed; "
            "04 invalid amount; 97 invalid signature; 99 other."
        }
    )
    Message = fields.String()


# The fields the gateway's return and notification carry (VNPAY 2.1.0), all signed by vnp_SecureHash.
GATEWAY_FIELDS = (
    "vnp_TmnCode",
    "vnp_Amount",
    "vnp_BankCode",
    "vnp_BankTranNo",
    "vnp_CardType",
    "vnp_PayDate",
    "vnp_OrderInfo",
    "vnp_TransactionNo",
    "vnp_ResponseCode",
    "vnp_TransactionStatus",
    "vnp_TxnRef",
    "vnp_SecureHashType",
    "vnp_SecureHash",
)

_GatewayFields = Schema.from_dict(
    {name: fields.String(validate=validate.Length(max=300)) for name in GATEWAY_FIELDS}, name="_GatewayFields"
)


class GatewayFieldsSchema(_GatewayFields):
    class Meta:
        # a field the gateway adds later is taken as it comes: the signature covers every vnp_ field as
        # received, so refusing it would only refuse genuine notifications
        unknown = INCLUDE
