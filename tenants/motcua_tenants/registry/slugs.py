"""Tenant slug rules. A slug becomes a subdomain, a schema name (``t_<slug>``) and part of a role name,
so it must be safe in all three: lower-case ASCII letters and digits, starting with a letter."""

from __future__ import annotations

from motcua_platform.db.database import SLUG_RE
from sqlalchemy.dialects.postgresql.base import RESERVED_WORDS

# Names that would be confusing or dangerous as a subdomain or schema, besides SQL keywords.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "assets",
        "auth",
        "billing",
        "cdn",
        "console",
        "control",
        "dev",
        "docs",
        "ftp",
        "help",
        "imap",
        "info",
        "localhost",
        "mail",
        "motcua",
        "ns1",
        "ns2",
        "platform",
        "pop",
        "portal",
        "postgres",
        "procrastinate",
        "public",
        "root",
        "smtp",
        "static",
        "status",
        "support",
        "system",
        "template0",
        "template1",
        "test",
        "vendor",
        "www",
    }
)


def slug_problems(slug: str) -> list[str]:
    """Why ``slug`` can't be used (empty when it can). Uniqueness is checked against the database separately."""
    if not isinstance(slug, str) or not slug:
        return ["Slug is required."]
    if slug != slug.lower():
        return ["Slug must be lower-case (it becomes a host name and a schema name)."]
    if not SLUG_RE.match(slug):
        return ["Slug must be 2–30 characters: lower-case letters a–z and digits, starting with a letter."]
    if slug in RESERVED_SLUGS or slug in RESERVED_WORDS or slug.startswith("pg"):
        return [f"'{slug}' is reserved; choose another slug."]
    return []
