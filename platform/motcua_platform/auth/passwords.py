"""Argon2id password hashing (argon2-cffi defaults follow RFC 9106's recommendations)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified when an account does not exist, so a wrong e-mail costs as long as a wrong password.
    Made on first use: hashing at import would slow every command's start-up."""
    return _hasher.hash("motcua-timing-equaliser")


MIN_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problems(password: str) -> list[str]:
    if len(password) < MIN_LENGTH:
        return [f"Password must be at least {MIN_LENGTH} characters."]
    if password.isdigit() or password.isalpha():
        return ["Password must mix letters with digits or symbols."]
    return []
