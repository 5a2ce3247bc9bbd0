"""Reading a Stripe webhook, before anything is written: the signature, its age both ways, the body as JSON
and the event's shape. A signed body is trusted to come from Stripe, not to have the shape we expect (an
API version change, a test sent by hand from the dashboard): every check here ends in a 4xx in the one error
format, never in a database error."""

from __future__ import annotations

import json
import time

import stripe
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from motcua_platform.errors import InvalidInput, ServiceError
from motcua_platform.i18n import _
from motcua_platform.inputs import load_json

PAST_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # 300 s: Stripe's own replay window
# stripe's check stops at the past. A timestamp ahead of our clock by more than NTP-level skew was not made
# by Stripe at delivery time: refusing it keeps the replay window at 5 minutes, not "until that date".
FUTURE_TOLERANCE = 60
PAYMENT_EVENTS = ("invoice.paid", "invoice.payment_succeeded")

PRINTABLE_ID = validate.Regexp(r"^[\x21-\x7e]{1,100}$", error=_("Not a Stripe id (printable ASCII, 1–100 characters)."))
EVENT_TYPE = validate.Regexp(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$", error=_("Not a Stripe event type."))
AMOUNT = validate.Range(min=0, max=2**63 - 1, error=_("Not an amount in đồng."))


class BadSignature(ServiceError):
    status = 400
    code = "bad_signature"


class MalformedEvent(ServiceError):
    status = 400
    code = "malformed_json"


class _Lenient(Schema):
    """Stripe adds fields with every API version: only the fields read here are checked."""

    class Meta:
        unknown = EXCLUDE


class EventDataSchema(_Lenient):
    object = fields.Dict(required=True)


class EventSchema(_Lenient):
    id = fields.String(required=True, validate=PRINTABLE_ID)
    type = fields.String(required=True, validate=[validate.Length(max=100), EVENT_TYPE])
    data = fields.Nested(EventDataSchema, required=True)


class InvoiceMetadataSchema(_Lenient):
    # our own row id, written by the push: at most 18 digits, so it always fits the column
    motcua_invoice_id = fields.String(validate=validate.Regexp(r"^[0-9]{1,18}$", error=_("Not an invoice id.")))


class PaidInvoiceSchema(_Lenient):
    id = fields.String(required=True, validate=PRINTABLE_ID)
    currency = fields.String(required=True, validate=validate.Length(min=1, max=10))
    amount_paid = fields.Integer(required=True, strict=True, validate=AMOUNT)
    metadata = fields.Nested(InvoiceMetadataSchema, allow_none=True, load_default=None)


def _signed_at(header: str) -> int:
    """The header's ``t=`` (the first, as stripe reads it); the header has already been verified."""
    return int(next(value for key, _, value in (item.partition("=") for item in header.split(",")) if key == "t"))


def read_event(payload: bytes, header: str | None, secret: str, *, now: float | None = None) -> dict:
    """The verified event as a dict with a known shape; BadSignature, MalformedEvent or InvalidInput."""
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, PAST_TOLERANCE)
        signed_at = _signed_at(header)
    except (stripe.SignatureVerificationError, ValueError, TypeError) as exc:  # ValueError: not UTF-8
        raise BadSignature(_("The webhook signature could not be verified; the event was ignored.")) from exc
    if signed_at > (time.time() if now is None else now) + FUTURE_TOLERANCE:
        raise BadSignature(
            _("The webhook signature is dated in the future; the event was ignored."),
            {
                "Stripe-Signature": [
                    _(
                        "t=%(signed_at)s is more than %(future_tolerance)s s ahead of this server's clock.",
                        signed_at=signed_at,
                        future_tolerance=FUTURE_TOLERANCE,
                    )
                ]
            },
        )
    try:  # the API's one reader of untrusted JSON: NUL, lone surrogates and deep nesting are refused there
        event = load_json(payload)
    except json.JSONDecodeError:
        raise MalformedEvent(_("The webhook body is not valid JSON.")) from None
    if not isinstance(event, dict):
        raise InvalidInput(_("The webhook body is not a Stripe event."), {"_body": [_("An event is a JSON object.")]})
    try:
        checked = EventSchema().load(event)
    except ValidationError as exc:
        raise InvalidInput(_("The webhook event does not have the expected shape."), exc.messages) from None
    if checked["type"] in PAYMENT_EVENTS:
        try:
            PaidInvoiceSchema().load(checked["data"]["object"])
        except ValidationError as exc:
            errors = {"data": {"object": exc.messages}}
            raise InvalidInput(
                _("The %(type)s event does not describe a paid invoice.", type=checked["type"]), errors
            ) from None
    return event
