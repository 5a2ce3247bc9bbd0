"""Operators log in and out of the vendor console with the API's own login service, lockout and per-address
budget (``auth.services.login`` on the platform scope, ``count_account_attempt``); ``operator_required``
guards every other page, with the API's roles."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from motcua_platform.auth import services as auth
from motcua_platform.auth.tokens import PLATFORM_SCOPE
from motcua_platform.pages.blueprint import safe_next
from motcua_platform.web.context import control_session
from motcua_platform.web.principals import current_principal

from motcua_console.operator import session
from motcua_console.operator.blueprint import operator


def operator_required(*roles: str):
    """Pages of a signed-in operator: anyone else goes to the login page (and back after); an operator
    without one of ``roles`` (when given) gets the API's 403, through ``current_principal``."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if session.signed_in() is None:
                if session.had_session():
                    flash(_("Your session has ended. Log in again to continue."), "warning")
                return redirect(url_for("operator.login", next=request.full_path.rstrip("?")), 303)
            current_principal(*roles)
            return view(*args, **kwargs)

        return wrapper

    return decorate


@operator.route("/login", methods=["GET", "POST"])
def login():
    home = url_for("operator.tenants")
    target = safe_next(request.values.get("next"), home)
    if not target.startswith("/operator"):
        target = home
    return session.OPERATOR.login_form("console/operator/login.html", target)


@operator.post("/logout")
def logout():
    secret = session.sign_out()
    if secret:
        auth.logout(control_session(), scope=PLATFORM_SCOPE, secret=secret)
    flash(_("You have logged out."), "success")
    return redirect(url_for("operator.login"), 303)
