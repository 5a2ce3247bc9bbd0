"""The console's main menu: each entry with the API roles that may open it, so nobody is shown a link to a
page that would answer 403. A page belongs to the entry its endpoint starts with (``operator.tenants``,
``operator.tenants_new``, … are all "Tenants")."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext
from motcua_platform.auth.models import OperatorRole

READERS = (OperatorRole.OPERATOR, OperatorRole.ADMIN, OperatorRole.FINANCE)
MANAGERS = (OperatorRole.OPERATOR, OperatorRole.ADMIN)
ADMINS = (OperatorRole.ADMIN,)
FINANCE = (OperatorRole.FINANCE, OperatorRole.ADMIN)

# (section, label, roles); the section is also the endpoint of the entry's first page
ENTRIES = (
    ("tenants", lazy_gettext("Tenants"), READERS),
    ("finance", lazy_gettext("Finance"), FINANCE),
    ("operators", lazy_gettext("Operators"), ADMINS),
    ("audit", lazy_gettext("Audit"), MANAGERS),
)


def menu(principal) -> list[tuple[str, str, str]]:
    """(endpoint, label, section) of the entries the operator may open."""
    if principal is None:
        return []
    return [(f"operator.{section}", label, section) for section, label, roles in ENTRIES if principal.has_role(*roles)]


def section() -> str:
    return (request.endpoint or "").removeprefix("operator.").split("_", 1)[0]
