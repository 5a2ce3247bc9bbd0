"""Errors raised by services (no Flask here). The API layer turns each into the one error format:
``{"status": 409, "code": "conflict", "message": "...", "errors": {"field": ["..."]}}``.

Messages are lazy (``motcua_platform.i18n._``): English msgids, rendered in the language current where
they are read (``str(error.message)``, the error body), the request's inside a request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from babel.support import LazyProxy

Message = str | LazyProxy  # a lazy message (i18n._) or a text that needs no translation


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: Message, errors: Mapping[str, Sequence[Message] | Mapping] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = dict(errors or {})


class InvalidInput(ServiceError):
    status = 422
    code = "validation_error"


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"

    def __init__(self, message: Message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
