"""Reading a Stripe webhook, before anything is written: the signature, its age both ways, the body as JSON
and the event's shape. A signed body is trusted to come from Stripe, not to have the shape we expect (an
API version change, a test sent by hand from the dashboard): every check here ends in a 4xx in the one error
format, never in a database error."""

from __future__ import annotations

import json
import math
import time

import stripe
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from motcua_platform.errors import InvalidInput, ServiceError

PAST_TOLERANCE = stripe.Webhook.DEFAULT_TOLERANCE  # 300 s: Stripe's own replay window
# stripe's check stops at the past. A timestamp ahead of our clock by more than NTP-level skew was not made
# by Stripe at delivery time: refusing it keeps the replay window at 5 minutes, not "until that date".
FUTURE_TOLERANCE = 60
MAX_DEPTH = 32  # Stripe events nest a few levels; deeper is not an event (and not worth a RecursionError)
PAYMENT_EVENTS = ("invoice.paid", "invoice.payment_succeeded")

PRINTABLE_ID = validate.Regexp(r"^[\x21-\x7e]{1,100}$", error="Not a Stripe id (printable ASCII, 1–100 characters).")
EVENT_TYPE = validate.Regexp(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$", error="Not a Stripe event type.")
AMOUNT = validate.Range(min=0, max=2**63 - 1, error="Not an amount in đồng.")


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
    motcua_invoice_id = fields.String(validate=validate.Regexp(r"^[0-9]{1,18}$", error="Not an invoice id."))


class PaidInvoiceSchema(_Lenient):
    id = fields.String(required=True, validate=PRINTABLE_ID)
    currency = fields.String(required=True, validate=validate.Length(min=1, max=10))
    amount_paid = fields.Integer(required=True, strict=True, validate=AMOUNT)
    metadata = fields.Nested(InvoiceMetadataSchema, allow_none=True, load_default=None)


def _signed_at(header: str) -> int:
    """The header's ``t=`` (the first, as stripe reads it); the header has already been verified."""
    return int(next(value for key, _, value in (item.partition("=") for item in header.split(",")) if key == "t"))


def _storable(value, depth: int = 0) -> str | None:
    """Why ``value`` cannot be kept as JSONB, or None. PostgreSQL refuses NUL in text and lone surrogates
    cannot be encoded, and either would surface as a database error after the event was accepted."""
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, float) and not math.isfinite(value):
        return "a number is out of range"
    if isinstance(value, str):
        if "\x00" in value:
            return "a string contains a NUL character"
        if any("\ud800" <= ch <= "\udfff" for ch in value):
            return "a string contains a lone surrogate"
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        problem = _storable(key, depth + 1) if isinstance(key, str) else None
        problem = problem or _storable(item, depth + 1)
        if problem:
            return problem
    return None


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def read_event(payload: bytes, header: str | None, secret: str, *, now: float | None = None) -> dict:
    """The verified event as a dict with a known shape; BadSignature, MalformedEvent or InvalidInput."""
    try:
        stripe.WebhookSignature.verify_header(payload, header, secret, PAST_TOLERANCE)
        signed_at = _signed_at(header)
    except (stripe.SignatureVerificationError, ValueError, TypeError) as exc:  # ValueError: not UTF-8
        raise BadSignature("The webhook signature could not be verified; the event was ignored.") from exc
    if signed_at > (time.time() if now is None else now) + FUTURE_TOLERANCE:
        raise BadSignature(
            "The webhook signature is dated in the future; the event was ignored.",
            {"Stripe-Signature": [f"t={signed_at} is more than {FUTURE_TOLERANCE} s ahead of this server's clock."]},
        )
    try:
        event = json.loads(payload, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        raise MalformedEvent("The webhook body is not valid JSON.") from None
    if not isinstance(event, dict):
        raise InvalidInput("The webhook body is not a Stripe event.", {"_body": ["An event is a JSON object."]})
    problem = _storable(event)
    if problem:
        raise InvalidInput("The webhook body cannot be stored.", {"_body": [problem]})
    try:
        checked = EventSchema().load(event)
    except ValidationError as exc:
        raise InvalidInput("The webhook event does not have the expected shape.", exc.messages) from None
    if checked["type"] in PAYMENT_EVENTS:
        try:
            PaidInvoiceSchema().load(checked["data"]["object"])
        except ValidationError as exc:
            errors = {"data": {"object": exc.messages}}
            raise InvalidInput(f"The {checked['type']} event does not describe a paid invoice.", errors) from None
    return event
