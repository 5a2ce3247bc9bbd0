"""What every dossier route shares: the ``dossiers`` blueprint (the officer routes, the workflow and the
extensions all hang on it), the officer roles and units of the caller, and optimistic concurrency: the
ETag a dossier is served with and the If-Match a change must send."""

from flask import request
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.errors import InvalidInput, ServiceError
from motcua_platform.i18n import _
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import current_tenant
from motcua_platform.web.principals import current_principal, kept_until_announced

from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.models import Dossier, Status

blp = Blueprint(
    "dossiers",
    __name__,
    url_prefix="/api/v1",
    realm="tenant",
    description="Dossiers: intake, officer inbox, status transitions, history, public tracking.",
)

OFFICER_ROLES = (StaffRoleName.OFFICER, StaffRoleName.TENANT_ADMIN)


class PreconditionRequired(ServiceError):
    status = 428
    code = "precondition_required"


def caller_units() -> set[int]:
    """The units the calling officer works in (as officer or tenant admin)."""
    return current_principal().units_with(*OFFICER_ROLES)


def caller_inbox_scope(session) -> services.InboxScope:
    """The units the calling officer's lists cover (``services.inbox_scope``), read once per process and unit
    tree: kept like the caller's principal, and dropped with it by every change to the tenant's units (a
    trigger on ``units`` notifies every process; ADR 0037). The key carries the tenant's units version too,
    so the process that changed a unit needs no notification to see it."""
    units = caller_units()
    tenant = current_tenant()
    return kept_until_announced(
        f"inbox-scope:{tenant.id}:{tenant.units_version}",
        frozenset(units),
        lambda: services.inbox_scope(session, units),
    )


def etag_header(dossier: Dossier) -> dict:
    return {"ETag": f'"{dossier.version}"'}


def dossier_fields(session, dossier: Dossier) -> dict:
    """What every view of a whole dossier shows (the officer's and its owner's): its columns, the procedure
    version it was submitted under, its status by name and its current step."""
    row = services.procedure_of(session, dossier)
    return {
        **{c.key: getattr(dossier, c.key) for c in Dossier.__table__.columns},
        "procedure_code": row.code,
        "procedure_version": row.version,
        "procedure_name": row.name_vi,
        "status_name": services.STATUS_NAMES[Status(dossier.status)],
        "current_step": services.current_step_name(session, dossier),
    }


# The header every dossier change reads with expected_version(): declared as a parameter, not parsed by smorest,
# so that a missing one is a 428 (not a 422) and an invalid one a 422 naming it.
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "description": 'The dossier\'s ETag (its version), e.g. "3"; a stale one is a 409, a missing one a 428.',
    "schema": {"type": "string", "pattern": '^(W/)?"?[0-9]{1,18}"?$'},
}


def expected_version() -> int:
    """The dossier version the caller's If-Match names."""
    header = request.headers.get("If-Match")
    if not header:
        raise PreconditionRequired(_("Send 'If-Match' with the dossier's ETag (its version) to change it."))
    value = header.strip().removeprefix("W/").strip('"')
    # "²" is a digit to isdigit() but not to int(); and a version is a BIGINT (at most 18 digits here)
    if not (value.isascii() and value.isdecimal() and len(value) <= 18):
        raise InvalidInput(_("If-Match is invalid."), {"If-Match": [_('Must be the dossier\'s ETag, e.g. "3".')]})
    return int(value)
