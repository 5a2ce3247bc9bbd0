"""A signed-in citizen's account: the profile (name, e-mail, phone, CCCD or tax code) and the password.
The services are the API's (citizens/api.py): errors come back next to their fields with what was typed
kept (never a password). A password change ends the account's other sessions, this one stays."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.citizens import services as citizens
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.web.context import site_names, tenant_session

from motcua_portal import session
from motcua_portal.account_pages import citizen_required, field_errors
from motcua_portal.blueprint import portal

PROFILE_FIELDS = ("full_name", "email", "phone", "national_id", "tax_code")


def _identity_field(account) -> str:
    return "tax_code" if account.kind == "business" else "national_id"


@portal.route("/my/account", methods=["GET", "POST"])
@citizen_required
def profile():
    db = tenant_session()
    account = citizens.get_account(db, session.signed_in().id)
    fields = ("full_name", "email", "phone", _identity_field(account))
    if request.method == "GET":
        values = {name: getattr(account, name) or "" for name in fields}
        return render_template("portal/profile.html", account=account, values=values, errors={})
    values = {name: (request.form.get(name) or "").strip()[:254] for name in fields}
    changes = {name: values[name] or None for name in fields}
    changes["full_name"] = values["full_name"]
    try:
        citizens.update_profile(db, session.actor(), account, changes)
    except InvalidInput as error:
        errors = field_errors(error.errors)
        return render_template("portal/profile.html", account=account, values=values, errors=errors), 422
    except Conflict as error:  # the e-mail or phone is another account's login
        db.rollback()
        errors = {"_": [str(error.message)]}
        return render_template("portal/profile.html", account=account, values=values, errors=errors), 409
    flash(_("Your details are saved."), "success")
    return redirect(url_for("site.profile"), 303)


@portal.route("/my/account/password", methods=["GET", "POST"])
@citizen_required
def change_password():
    if request.method == "GET":
        return render_template("portal/password.html", errors={})
    db = tenant_session()
    current = request.form.get("current_password") or ""
    new = request.form.get("new_password") or ""
    errors: dict[str, list[str]] = {}
    if not current:
        errors["current_password"] = [_("Enter your current password.")]
    if not new:
        errors["new_password"] = [_("Enter the new password.")]
    elif new != (request.form.get("new_password_again") or ""):
        errors["new_password_again"] = [_("The two passwords differ.")]
    if not errors:
        try:
            citizens.change_password(
                db,
                session.actor(),
                citizens.get_account(db, session.signed_in().id),
                current=current[:200],
                new=new[:200],
                keep_secret=session.token(),
                site=site_names(),
            )
        except InvalidInput as error:
            errors = field_errors(error.errors)
    if errors:
        return render_template("portal/password.html", errors=errors), 422
    flash(_("Your password is changed. You are logged out everywhere else."), "success")
    return redirect(url_for("site.profile"), 303)
