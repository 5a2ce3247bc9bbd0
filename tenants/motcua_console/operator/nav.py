"""The console's main menu: each entry with the API's roles that may open it (the API's own lists where it
names them), so nobody is shown a link to a page that would answer 403. A page belongs to the entry its
endpoint starts with (``operator.tenants``, ``operator.tenants_new``, … are all "Tenants")."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext
from motcua_platform.auth.models import OperatorRole
from motcua_tenants.registry.api import MANAGERS, READERS

__all__ = ["ADMINS", "AUDITORS", "FINANCE", "MANAGERS", "READERS", "menu", "section"]

ADMINS = (OperatorRole.ADMIN,)  # operator accounts (/api/v1/operators)
AUDITORS = (OperatorRole.OPERATOR, OperatorRole.ADMIN)  # the vendor audit trail (/api/v1/audit)
FINANCE = (OperatorRole.FINANCE, OperatorRole.ADMIN)

# (section, label, roles); the section is also the endpoint of the entry's first page
ENTRIES = (
    ("tenants", lazy_gettext("Tenants"), READERS),
    ("finance", lazy_gettext("Finance"), FINANCE),
    ("national", lazy_gettext("National sync"), AUDITORS),
    ("operators", lazy_gettext("Operators"), ADMINS),
    ("audit", lazy_gettext("Audit"), AUDITORS),
)


def menu(principal) -> list[tuple[str, str, str]]:
    """(endpoint, label, section) of the entries the operator may open."""
    if principal is None:
        return []
    return [(f"operator.{section}", label, section) for section, label, roles in ENTRIES if principal.has_role(*roles)]


def section() -> str:
    return (request.endpoint or "").removeprefix("operator.").split("_", 1)[0]
