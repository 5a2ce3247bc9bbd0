"""The one error body of every 4xx and 5xx, ``{status, code, message, errors}``, and the handlers that turn
werkzeug's HTTP errors and the services' ``ServiceError`` into it."""

from __future__ import annotations

from collections.abc import Mapping

from flask import jsonify, request
from marshmallow import fields
from werkzeug.exceptions import HTTPException

from motcua_platform.errors import ServiceError, TooManyAttempts, Unauthorized
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


def error_body(status: int, message: str, code: str | None = None, errors: Mapping | None = None) -> dict:
    return {
        "status": status,
        "code": code or STATUS_CODES.get(status, "error"),
        "message": message,
        "errors": dict(errors or {}),
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
        code, message = "malformed_json", "The request body is not valid JSON."
    if status == 422 and not message:
        message = "Some fields are missing or invalid."
    if status == 413:
        message = f"The request body is larger than {request.max_content_length} bytes."  # per route
    response = jsonify(error_body(status, message or exc.description or exc.name, code, errors))
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
    message = fields.String(required=True, metadata={"example": "Some fields are missing or invalid."})
    errors = fields.Dict(
        required=True,
        metadata={
            "description": "Field name → list of messages (may nest).",
            "example": {"code": ["Code '000.00.51.H15' is already used."]},
        },
    )
