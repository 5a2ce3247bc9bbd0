"""Who may open the province administration pages: exactly the staff API's rule. A tenant admin's role on a
unit covers that unit's subtree (``auth.api.covered_units``, ``units.api``); anyone else gets a 403."""

from __future__ import annotations

from functools import wraps

from flask import abort
from motcua_platform.auth.api import covered_units
from motcua_platform.auth.models import StaffRoleName

from motcua_console import admin_labels, session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console


def admin_required(view):
    """Pages of a tenant admin (a signed-in staff member without the role gets a 403)."""

    @staff_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not session.signed_in().has_role(StaffRoleName.TENANT_ADMIN):
            abort(403)
        return view(*args, **kwargs)

    return wrapper


def admin_units() -> set[int]:
    """The units the caller holds tenant_admin on (the roots of what they manage)."""
    return session.signed_in().units_with(StaffRoleName.TENANT_ADMIN)


@console.context_processor
def admin_context() -> dict:
    staff = session.signed_in()
    return {
        "is_admin": staff is not None and staff.has_role(StaffRoleName.TENANT_ADMIN),
        "unit_kind": admin_labels.kind,
        "staff_role": admin_labels.role,
        "audit_action": admin_labels.action,
    }


__all__ = ["admin_required", "admin_units", "covered_units"]
