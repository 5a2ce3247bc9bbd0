"""Staff log in and out of the consoles with the staff API's login service, lockout and per-address
budget (``auth.services.login``, ``count_account_attempt``); ``staff_required`` guards every other page."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from motcua_platform.auth import services as auth
from motcua_platform.pages.blueprint import safe_next
from motcua_platform.web.context import site_scope, site_session

from motcua_console import session
from motcua_console.blueprint import console


def staff_required(view):
    """Pages of a signed-in staff member: anyone else goes to the console's login page, and back after."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if session.signed_in() is None:
            if session.had_session():
                flash(_("Your session has ended. Log in again to continue."), "warning")
            return redirect(url_for("console.login", next=request.full_path.rstrip("?")), 303)
        if session.signed_in().must_change_password and request.endpoint != "console.password":
            # a temporary password somebody else knows: the member's own comes before any other page
            return redirect(url_for("console.password"), 303)
        return view(*args, **kwargs)

    return wrapper


@console.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"), url_for("console.inbox"))
    if not target.startswith("/console"):
        target = url_for("console.inbox")
    return session.STAFF.login_form("console/login.html", target)


@console.post("/logout")
def logout():
    secret = session.sign_out()
    if secret:
        auth.logout(site_session(), scope=site_scope(), secret=secret)
    flash(_("You have logged out."), "success")
    return redirect(url_for("console.login"), 303)
