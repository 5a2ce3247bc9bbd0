"""Errors raised by services (no Flask here). The API layer turns each into the one error format:
``{"status": 409, "code": "conflict", "message": "...", "errors": {"field": ["..."]}}``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class ServiceError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, errors: Mapping[str, Sequence[str] | Mapping] | None = None):
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

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
