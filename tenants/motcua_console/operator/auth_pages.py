"""Operators log in and out of the vendor console with the API's own login service, lockout and per-address
budget (``auth.services.login`` on the platform scope, ``count_account_attempt``); ``operator_required``
guards every other page, with the API's roles."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_platform.auth import services as auth
from motcua_platform.auth.api import login_policy
from motcua_platform.auth.tokens import PLATFORM_SCOPE
from motcua_platform.errors import ServiceError, TooManyAttempts
from motcua_platform.pages.blueprint import safe_next
from motcua_platform.web.context import control_session
from motcua_platform.web.principals import current_principal
from motcua_platform.web.ratelimit import count_account_attempt

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


def _page(email: str, target: str, errors: dict):
    return render_template("console/operator/login.html", email=email, next=target, errors=errors)


@operator.route("/login", methods=["GET", "POST"])
def login():
    home = url_for("operator.tenants")
    target = safe_next(request.values.get("next"), home)
    if not target.startswith("/operator"):
        target = home
    if request.method == "GET":
        if session.signed_in() is not None:
            return redirect(target, 303)
        return _page("", target, {})
    email = (request.form.get("email") or "").strip()[:254]
    password = request.form.get("password") or ""
    errors: dict[str, list[str]] = {}
    if not email:
        errors["email"] = [_("Enter your work e-mail.")]
    if not password:
        errors["password"] = [_("Enter your password.")]
    if errors:
        return _page(email, target, errors), 422
    db = control_session()
    try:
        count_account_attempt()
        token, _expires, _principal = auth.login(
            db,
            email=email,
            password=password[:200],
            scope=PLATFORM_SCOPE,
            policy=login_policy(),
            remote_addr=request.remote_addr,
        )
    except TooManyAttempts as error:
        db.commit()  # the failed attempt is counted even though the login fails
        return _page(email, target, {"_": [str(error.message)]}), 429, {"Retry-After": str(error.retry_after)}
    except ServiceError as error:
        db.commit()
        return _page(email, target, {"_": [_("E-mail or password is incorrect.")]}), error.status
    session.sign_in(token)
    return redirect(target, 303)


@operator.post("/logout")
def logout():
    secret = session.sign_out()
    if secret:
        auth.logout(control_session(), scope=PLATFORM_SCOPE, secret=secret)
    flash(_("You have logged out."), "success")
    return redirect(url_for("operator.login"), 303)
