"""Register, log in and out, recover a forgotten password. The forms post to the pages themselves; errors
come back on the same page, next to their fields, with what was typed kept (never the password)."""

from __future__ import annotations

from functools import wraps

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.citizens import recovery
from motcua_onestop.citizens import services as citizens
from motcua_onestop.citizens.api import drain_after_commit
from motcua_platform.auth.api import login_policy
from motcua_platform.errors import Conflict, InvalidInput, ServiceError, TooManyAttempts
from motcua_platform.pages.blueprint import safe_next
from motcua_platform.web.context import current_tenant, runtime, site_names, tenant_session
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


def field_errors(errors: dict) -> dict[str, list[str]]:
    """A service's errors as the form macros show them: a list of messages per field."""
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
        return render_template("portal/register.html", values=values, errors=field_errors(error.errors)), 422
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


# -- password recovery ------------------------------------------------------------------------------
RESET_LOGIN_KEY = "reset_login"
LOGIN_MAX = 254


def _reset_refused(template: str, values: dict, error: TooManyAttempts):
    page = render_template(template, values=values, errors={"_": [str(error.message)]})
    return page, 429, {"Retry-After": str(error.retry_after)}


@portal.route("/password-reset", methods=["GET", "POST"])
def password_reset():
    """Ask for a one-time code sent to the account's own e-mail and phone (citizens/recovery.py). Every
    login gets the same answer and the same next page, whether or not it has an account."""
    if request.method == "GET":
        return render_template("portal/password_reset.html", values={"login": ""}, errors={})
    identifier = (request.form.get("login") or "").strip()[:LOGIN_MAX]
    values = {"login": identifier}
    if len(identifier) < 3:
        errors = {"login": [_("Enter the e-mail or mobile number you log in with.")]}
        return render_template("portal/password_reset.html", values=values, errors=errors), 422
    try:
        count_account_attempt()  # the same per-address budget as the API's recovery and logins
    except TooManyAttempts as error:
        return _reset_refused("portal/password_reset.html", values, error)
    slug = current_tenant().slug
    recovery.request_reset(
        tenant_session(),
        tenant_slug=slug,
        identifier=identifier,
        locale=current_tenant().locale,
        key=runtime().config.secret_key,
        remote_addr=request.remote_addr,
    )
    drain_after_commit(slug)  # for every request, as the API: the answer takes as long either way
    session.remember(RESET_LOGIN_KEY, identifier)
    flash(
        _(
            "If this is the login of an account on this portal, a code is on its way to the account's "
            "e-mail and/or mobile phone. It is valid for %(minutes)s minutes.",
            minutes=recovery.CODE_MINUTES,
        ),
        "success",
    )
    return redirect(url_for("site.password_reset_confirm"), 303)


@portal.route("/password-reset/confirm", methods=["GET", "POST"])
def password_reset_confirm():
    """Set a new password with the code: every session of the account ends, this browser's included."""
    if request.method == "GET":
        values = {"login": session.recalled(RESET_LOGIN_KEY) or "", "code": ""}
        return render_template("portal/password_reset_confirm.html", values=values, errors={})
    identifier = (request.form.get("login") or "").strip()[:LOGIN_MAX]
    code = (request.form.get("code") or "").strip()[:20]
    password = request.form.get("new_password") or ""
    values = {"login": identifier, "code": code}
    errors: dict[str, list[str]] = {}
    if len(identifier) < 3:
        errors["login"] = [_("Enter the e-mail or mobile number you log in with.")]
    if not code:
        errors["code"] = [_("Enter the code you received.")]
    if not password:
        errors["new_password"] = [_("Enter the new password.")]
    elif password != (request.form.get("new_password_again") or ""):
        errors["new_password_again"] = [_("The two passwords differ.")]
    if errors:
        return render_template("portal/password_reset_confirm.html", values=values, errors=errors), 422
    db = tenant_session()
    try:
        count_account_attempt()
        recovery.confirm_reset(
            db,
            tenant_slug=current_tenant().slug,
            identifier=identifier,
            locale=current_tenant().locale,
            timezone=current_tenant().timezone,
            code=code,
            new_password=password[:200],
            key=runtime().config.secret_key,
            site=site_names(),
            remote_addr=request.remote_addr,
        )
    except TooManyAttempts as error:
        return _reset_refused("portal/password_reset_confirm.html", values, error)
    except InvalidInput as error:
        db.commit()  # keep the wrong-code count, as the API does
        errors = field_errors(error.errors) or {"code": [str(error.message)]}
        return render_template("portal/password_reset_confirm.html", values=values, errors=errors), 422
    session.sign_out()  # the reset ended every session of the account; this browser starts afresh
    flash(_("Your password is changed. Log in with the new password."), "success")
    return redirect(url_for("site.login"), 303)
