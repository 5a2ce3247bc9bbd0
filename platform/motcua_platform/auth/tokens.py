"""Login tokens: ``<scope>.<secret>``.

The scope is ``platform`` or a tenant slug and says where the token may be used, so a token presented
on another tenant's host is refused (403) without any lookup. Only the SHA-256 of the secret is stored;
the secret has 256 bits of entropy, so a fast hash is enough (unlike passwords).

A citizen's token is ``<tenant slug>.citizen.<secret>``: the marker tells a citizen token from a staff
token before any lookup (``token_urlsafe`` never produces a dot), so staff routes refuse it (403) and
citizen routes refuse staff tokens, whatever the tables hold.
"""

from __future__ import annotations

import hashlib
import secrets

PLATFORM_SCOPE = "platform"
CITIZEN_MARK = "citizen."


def new_token(scope: str, *, citizen: bool = False) -> tuple[str, str]:
    """Return ``(token, token_hash)``."""
    secret = (CITIZEN_MARK if citizen else "") + secrets.token_urlsafe(32)
    return f"{scope}.{secret}", hash_secret(secret)


def is_citizen_secret(secret: str) -> bool:
    """Whether the secret part of a token (after the scope) is a citizen's."""
    return secret.startswith(CITIZEN_MARK)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def split_token(token: str) -> tuple[str, str] | None:
    scope, sep, secret = token.partition(".")
    if not sep or not scope or len(secret) < 20 or len(token) > 200:
        return None
    return scope, secret
