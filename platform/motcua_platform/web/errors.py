"""The one error body of every 4xx and 5xx, ``{status, code, message, errors}``, and the handlers that turn
werkzeug's HTTP errors and the services' ``ServiceError`` into it."""

from __future__ import annotations

from collections.abc import Mapping

from flask import jsonify, request
from marshmallow import fields
from werkzeug.exceptions import HTTPException

from motcua_platform.errors import ServiceError, TooManyAttempts, Unauthorized
from motcua_platform.i18n import _, render
from motcua_platform.web.schema import Schema

STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    410: "gone",
    412: "precondition_failed",
    413: "payload_too_large",
    414: "uri_too_long",
    415: "unsupported_media_type",
    417: "expectation_failed",
    422: "validation_error",
    428: "precondition_required",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
    503: "unavailable",
}


# What people read for an HTTP error that carries no message of ours (werkzeug's descriptions are English)
STATUS_MESSAGES = {
    400: _("The request is not valid."),
    401: _("Log in first."),
    403: _("You are not allowed to do this."),
    404: _("The requested URL was not found on this host."),
    405: _("This method is not allowed for the requested URL."),
    406: _("No answer in the requested format is available."),
    409: _("The request conflicts with the current state of the resource."),
    410: _("This resource is gone."),
    412: _("A precondition of the request was not met."),
    415: _("The request body has a media type that is not supported."),
    422: _("Some fields are missing or invalid."),
    428: _("This request must be conditional."),
    429: _("Too many requests; try again shortly."),
    500: _("Something went wrong on our side; it has been logged."),
    501: _("This is not implemented."),
    503: _("The service is unavailable; try again later."),
}


def error_body(status: int, message, code: str | None = None, errors: Mapping | None = None) -> dict:
    """The body, with every lazy message rendered in the current language."""
    return {
        "status": status,
        "code": code or STATUS_CODES.get(status, "error"),
        "message": render(message),
        "errors": render(dict(errors or {})),
    }


def _flatten_webargs(messages: Mapping) -> dict:
    """webargs nests errors by location ({"json": {"field": [...]}}); clients want {"field": [...]}."""
    flat: dict = {}
    for location, value in messages.items():
        if isinstance(value, Mapping):
            flat.update(value)
        else:
            flat[location if location not in ("json", "form", "form_and_files") else "_body"] = value
    return flat


def http_error_response(exc: HTTPException):
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    errors = _flatten_webargs(data.get("messages", {})) if isinstance(data, Mapping) else {}
    message = data.get("message") if isinstance(data, Mapping) and data.get("message") else None
    code = None
    if status == 400 and errors.get("_body") and "Invalid JSON" in str(errors["_body"]):
        code, message = "malformed_json", _("The request body is not valid JSON.")
    if status == 413:
        message = _("The request body is larger than %(limit)s bytes.", limit=request.max_content_length)  # per route
    # werkzeug's own descriptions are English: ours replace them; a description given when raising stays
    custom = exc.description if exc.description != type(exc).description else None
    message = message or custom or STATUS_MESSAGES.get(status) or exc.description or exc.name
    response = jsonify(error_body(status, message, code, errors))
    response.status_code = status
    for name, value in exc.get_headers() if hasattr(exc, "get_headers") else []:
        if name.lower() not in {"content-type", "content-length"}:
            response.headers[name] = value
    return response


def service_error_response(exc: ServiceError):
    response = jsonify(error_body(exc.status, exc.message, exc.code, exc.errors))
    response.status_code = exc.status
    if isinstance(exc, TooManyAttempts):
        response.headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, Unauthorized):
        response.headers["WWW-Authenticate"] = 'Bearer realm="motcua"'
    return response


class ErrorSchema(Schema):
    """The one error body of every 4xx and 5xx."""

    status = fields.Integer(required=True, metadata={"example": 422})
    code = fields.String(required=True, metadata={"example": "validation_error"})
    message = fields.String(
        required=True,
        metadata={
            "description": "For people, in the request's language (Vietnamese by default; `Accept-Language: en`).",
            "example": "Some fields are missing or invalid.",
        },
    )
    errors = fields.Dict(
        required=True,
        metadata={
            "description": "Field name → list of messages (may nest).",
            "example": {"code": ["Code '000.00.51.H15' is already used."]},
        },
    )
