"""HMAC-SHA256 signatures over a request body with the province's shared secret, both ways: what we send
the national portal and what it sends us. The header reads ``t=<unix seconds>,v1=<hex>``; the signed text
is ``<t>.<body>``, so a captured request cannot be replayed after ``TOLERANCE`` with another time."""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-Motcua-Signature"
TOLERANCE = 300  # seconds a signature stays good
# A timestamp ahead of our clock by more than clock skew was not made at sending time: refused, so the replay
# window stays 5 minutes and not "until that date".
AHEAD = 60


class BadSignature(Exception):
    """The request is not signed with the province's secret (or too old): nothing of it is to be used."""


def signature(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def sign(secret: str, body: bytes, now: float | None = None) -> str:
    return signature(secret, body, int(time.time() if now is None else now))


def verify(secret: str | None, body: bytes, header: str | None, now: float | None = None) -> None:
    """Raise ``BadSignature`` unless ``header`` signs ``body`` with ``secret``, made at most ``TOLERANCE``
    seconds ago and at most ``AHEAD`` seconds in the future."""
    if not secret or not header:
        raise BadSignature("missing signature" if secret else "no secret configured")
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise BadSignature("malformed signature") from None
    now = time.time() if now is None else now
    if now - timestamp > TOLERANCE or timestamp - now > AHEAD:
        raise BadSignature("signature too old or from the future")
    given = parts.get("v1", "")
    if not (len(given) == 64 and given.isascii()):  # compare_digest takes only ASCII text
        raise BadSignature("malformed signature")
    expected = signature(secret, body, timestamp).split("v1=", 1)[1]
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise BadSignature("signature does not match")
