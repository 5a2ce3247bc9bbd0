"""Staff log in and out of the consoles with the staff API's login service, lockout and per-address
budget (``auth.services.login``, ``count_account_attempt``); ``staff_required`` guards every other page."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_platform.auth import services as auth
from motcua_platform.auth.api import login_policy
from motcua_platform.errors import ServiceError, TooManyAttempts
from motcua_platform.pages.blueprint import safe_next
from motcua_platform.web.context import site_scope, site_session
from motcua_platform.web.ratelimit import count_account_attempt

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


def _page(email: str, target: str, errors: dict):
    return render_template("console/login.html", email=email, next=target, errors=errors)


@console.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"), url_for("console.inbox"))
    if not target.startswith("/console"):
        target = url_for("console.inbox")
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
    db = site_session()
    try:
        count_account_attempt()
        token, _expires, _principal = auth.login(
            db,
            email=email,
            password=password[:200],
            scope=site_scope(),
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


@console.post("/logout")
def logout():
    secret = session.sign_out()
    if secret:
        auth.logout(site_session(), scope=site_scope(), secret=secret)
    flash(_("You have logged out."), "success")
    return redirect(url_for("console.login"), 303)
