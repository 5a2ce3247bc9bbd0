"""Stripe's webhook endpoint (platform host). Authenticated by its signature, not by a token."""

from flask import request
from marshmallow import fields
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, runtime
from motcua_platform.web.schema import Schema

from motcua_billing.payments import services

blp = Blueprint(
    "billing_stripe",
    __name__,
    url_prefix="/api/v1/billing/stripe",
    realm="platform",
    description="Stripe webhooks: signature verified, duplicates ignored by event id, paid invoices recorded.",
)


class WebhookResultSchema(Schema):
    status = fields.String(metadata={"enum": ["processed", "duplicate"]})
    # marked paid, ignored, pending: …, already paid, amount mismatch, local invoice is void
    event = fields.String()
    outcome = fields.String()


@blp.route("/webhook", methods=["POST"])
@blp.response(200, WebhookResultSchema)
@blp.doc(security=[])
def stripe_webhook():
    """Receive a Stripe event. The raw body is verified with `Stripe-Signature` (400 when it does not match,
    is older than 5 minutes or more than 60 s ahead); a body that is not a Stripe event of the expected shape
    is 400/422, and nothing is stored. A payment for an invoice not finalized here yet is kept pending."""
    session = control_session()
    result = services.handle_stripe_webhook(
        session,
        request.get_data(),
        request.headers.get("Stripe-Signature"),
        runtime().config.stripe_webhook_secret,
    )
    return result
