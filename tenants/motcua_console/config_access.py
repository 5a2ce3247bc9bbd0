"""Who may open the province's configuration pages (calendar, catalogue, plugins, branding): a tenant admin
of the province itself, by the very helper the staff API's routes call (``province_principal``), so the
rule is written once. Anyone else signed in gets its 403; anyone not signed in, the login page."""

from __future__ import annotations

from functools import wraps
from pathlib import Path

from motcua_platform.auth.models import StaffRoleName
from motcua_platform.errors import Forbidden
from motcua_platform.pages.assets import ASSETS
from motcua_platform.web.principals import province_principal

from motcua_console import session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console

ROLE = StaffRoleName.TENANT_ADMIN


def province_admin_required(view):
    """A page of the province's configuration: signed in (else the login page), then the API's rule."""

    @staff_required
    @wraps(view)
    def wrapper(*args, **kwargs):
        province_principal(ROLE)
        return view(*args, **kwargs)

    return wrapper


def holds_on_province(*roles: str) -> bool:
    """Whether the signed-in staff member holds one of ``roles`` on the province itself (what a page asks
    before it shows a link or a form that ``province_principal`` would refuse)."""
    if session.signed_in() is None:
        return False
    try:
        province_principal(*roles)
    except Forbidden:
        return False
    return True


def is_province_admin() -> bool:
    return holds_on_province(ROLE)


@console.context_processor
def configuration_context() -> dict:
    # a function, so that the layout asks (one tree lookup) only where it draws the navigation
    return {"shows_configuration": is_province_admin}


# The configuration pages' stylesheet and the branding preview's script, served from /assets like the kernel's.
ASSETS.add_folder(Path(__file__).parent / "static")
