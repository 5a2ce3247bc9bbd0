"""Register, log in and out. The forms post to the pages themselves; errors come back on the same page,
next to their fields, with what was typed kept (never the password)."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.citizens import services as citizens
from motcua_platform.auth.api import login_policy
from motcua_platform.errors import Conflict, InvalidInput, ServiceError, TooManyAttempts
from motcua_platform.pages.blueprint import safe_next
from motcua_platform.web.context import current_tenant, site_names, tenant_session
from motcua_platform.web.ratelimit import count_account_attempt

from motcua_portal import session
from motcua_portal.blueprint import portal

REGISTRATION_FIELDS = ("kind", "full_name", "email", "phone", "national_id", "tax_code")


def citizen_required(view):
    """Pages of a signed-in citizen: anyone else goes to the login page, and comes back here after."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if session.signed_in() is None:
            if session.had_session():
                flash(_("Your session has ended. Log in again to continue: nothing you saved is lost."), "warning")
            return redirect(url_for("site.login", next=request.full_path.rstrip("?")), 303)
        return view(*args, **kwargs)

    return wrapper


def _messages(errors: dict) -> dict[str, list[str]]:
    return {
        name: [str(m) for m in (messages if isinstance(messages, list) else [messages])]
        for name, messages in errors.items()
    }


@portal.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"), url_for("site.my_dossiers"))
    if request.method == "GET":
        if session.signed_in() is not None:
            return redirect(target, 303)
        return render_template("portal/login.html", login="", next=target, errors={})
    identifier = (request.form.get("login") or "").strip()[:254]
    password = request.form.get("password") or ""
    errors: dict[str, list[str]] = {}
    if not identifier:
        errors["login"] = [_("Enter your e-mail or mobile number.")]
    if not password:
        errors["password"] = [_("Enter your password.")]
    if errors:
        return render_template("portal/login.html", login=identifier, next=target, errors=errors), 422
    db = tenant_session()
    try:
        count_account_attempt()
        token, _expires, _principal = citizens.login(
            db,
            identifier=identifier,
            password=password[:200],
            scope=current_tenant().slug,
            policy=login_policy(),
            remote_addr=request.remote_addr,
        )
    except TooManyAttempts as error:
        db.commit()
        errors["_"] = [str(error.message)]
        response = render_template("portal/login.html", login=identifier, next=target, errors=errors)
        return response, 429, {"Retry-After": str(error.retry_after)}
    except ServiceError as error:
        db.commit()  # the failed attempt is counted and audited even though the login fails
        errors["_"] = [str(error.message)]
        return render_template("portal/login.html", login=identifier, next=target, errors=errors), 401
    session.sign_in(token)
    return redirect(target, 303)


@portal.post("/logout")
def logout():
    token = session.sign_out()
    if token:
        citizens.logout(tenant_session(), secret=token)
    flash(_("You have logged out."), "success")
    return redirect(url_for("front.index"), 303)


@portal.route("/register", methods=["GET", "POST"])
def register():
    if request.method == "GET":
        return render_template("portal/register.html", values={"kind": "citizen"}, errors={})
    values = {name: (request.form.get(name) or "").strip()[:254] for name in REGISTRATION_FIELDS}
    values["kind"] = values["kind"] if values["kind"] in ("citizen", "business") else "citizen"
    password = request.form.get("password") or ""
    db = tenant_session()
    try:
        count_account_attempt()
        if password != (request.form.get("password_again") or ""):
            raise InvalidInput(
                _("The account could not be created."), {"password_again": [_("The two passwords differ.")]}
            )
        data = citizens.Registration(**{k: (v or None) for k, v in values.items()}, password=password[:200])
        account = citizens.register(db, data, request.remote_addr, site=site_names())
    except InvalidInput as error:
        return render_template("portal/register.html", values=values, errors=_messages(error.errors)), 422
    except (Conflict, TooManyAttempts) as error:
        errors = {"_": [str(error.message)]}
        return render_template("portal/register.html", values=values, errors=errors), error.status
    token, _expires, _principal = citizens.login(
        db,
        identifier=account.login,
        password=password,
        scope=current_tenant().slug,
        policy=login_policy(),
        remote_addr=request.remote_addr,
    )
    session.sign_in(token)
    flash(_("Your account is ready. You are logged in."), "success")
    return redirect(url_for("site.my_dossiers"), 303)
