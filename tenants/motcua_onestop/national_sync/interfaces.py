"""How a sync record leaves the platform: a ``Sender`` per province, made from its settings. One adapter,
``HttpSender``: a signed JSON POST to the province's endpoint."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.request
from typing import Protocol

from motcua_platform.outbound import OPENER

from motcua_onestop.national_sync import signing

# Answers that say the request itself is wrong: sending it again unchanged cannot succeed, so the row is
# held for an operator instead of being retried for ever. Timeouts and rate limits are not among them.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


class DeliveryFailed(Exception):
    """The receiver did not take the record. ``permanent``: it refused it (a 4xx), retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    def send(self, body: bytes, *, idempotency_key: str, sequence: int) -> None:
        """Deliver one record or raise ``DeliveryFailed``. ``idempotency_key`` is the same on every attempt
        at the same row: a receiver that sees it twice keeps the first and answers 2xx again."""


class HttpSender:
    """POSTs the record as JSON, with ``Idempotency-Key``, ``X-Motcua-Sequence`` and the body's HMAC
    signature (``signing``). A 2xx answer is delivery; anything else, or no answer in ``timeout`` seconds,
    is a failure."""

    def __init__(self, url: str, secret: str, timeout: float = 10.0):
        self.url, self.secret, self.timeout = url, secret, timeout

    def send(self, body: bytes, *, idempotency_key: str, sequence: int) -> None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": idempotency_key,
            "X-Motcua-Sequence": str(sequence),
            signing.HEADER: signing.sign(self.secret, body),
        }
        # the URL is an operator's validated http(s) setting, never a requester's input
        request = urllib.request.Request(self.url, data=body, method="POST", headers=headers)  # noqa: S310
        try:
            with OPENER.open(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            # a few printable characters of the answer: enough to tell the cause, too little to read a service
            # that should not have been asked (the console shows it)
            answer = "".join(ch for ch in exc.read(80).decode("utf-8", "replace") if ch.isprintable()).strip()
            # a redirect says the address is wrong: as a refusal, it waits for an operator to fix it
            permanent = 300 <= exc.code < 500 and exc.code not in RETRYABLE_CLIENT_ERRORS
            raise DeliveryFailed(f"HTTP {exc.code}: {answer}"[:120], permanent=permanent) from None
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, bad answer
            raise DeliveryFailed(f"{type(exc).__name__}: {exc}"[:500]) from None


def encode(record: dict) -> bytes:
    """The body sent for a row: the same bytes on every attempt (keys in order), so its signature and a
    receiver's comparison of repeats see the same text."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
