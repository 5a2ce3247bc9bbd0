"""Every staff member changes their own password here (``auth.services.change_own_password``, as
``POST /api/v1/staff/me/password``): the current one, then the new one twice; the policy's refusal (too
guessable, built from the name or the province…) is shown next to the field. After a reset or at a new
account's first login the password is a temporary one, and ``staff_required`` sends every page here first."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_platform.auth import services as auth
from motcua_platform.errors import InvalidInput
from motcua_platform.web.context import site_names, tenant_session

from motcua_console import session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console


@console.route("/password", methods=["GET", "POST"])
@staff_required
def password():
    forced = session.signed_in().must_change_password
    if request.method == "GET":
        return render_template("console/password.html", errors={}, forced=forced)
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
            auth.change_own_password(
                tenant_session(),
                session.actor(),
                session.signed_in().id,
                current=current[:200],
                new=new[:200],
                keep_secret=session.token(),
                site=site_names(),
            )
        except InvalidInput as error:
            errors = {name: [str(m) for m in messages] for name, messages in error.errors.items()}
    if errors:
        return render_template("console/password.html", errors=errors, forced=forced), 422
    flash(_("Your password is changed. You are logged out everywhere else."), "success")
    return redirect(url_for("console.inbox"), 303)
