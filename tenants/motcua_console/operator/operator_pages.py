"""Operator accounts, for admins as ``/api/v1/operators``: the list, a new account (with a temporary
password generated here and shown once, on the answer to the form only), deactivating and reactivating."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_platform.auth import services as auth
from motcua_platform.auth.models import OperatorRole
from motcua_platform.errors import InvalidInput
from motcua_platform.pages.blueprint import field_errors
from motcua_platform.web.context import control_session

from motcua_console.operator import labels, nav, session
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator


@operator.get("/operators")
@operator_required(*nav.ADMINS)
def operators():
    rows = auth.list_operators(control_session())
    return render_template("console/operator/operators.html", operators=rows)


def _form(values: dict, errors: dict, status: int = 200):
    roles = [(role.value, labels.role(role.value)) for role in OperatorRole]
    return render_template("console/operator/operator_new.html", values=values, errors=errors, roles=roles), status


@operator.route("/operators/new", methods=["GET", "POST"])
@operator_required(*nav.ADMINS)
def operators_new():
    if request.method == "GET":
        return _form({"role": OperatorRole.OPERATOR.value}, {})
    values = {name: (request.form.get(name) or "").strip()[:254] for name in ("email", "full_name", "role")}
    password = auth.temporary_password()
    try:
        account = auth.create_operator(control_session(), session.actor(), password=password, **values)
    except InvalidInput as error:
        return _form(values, field_errors(error.errors), 422)
    page = render_template("console/operator/operator_created.html", account=account, password=password)
    return page, 200, {"Cache-Control": "no-store"}


@operator.post("/operators/<int:operator_id>/active")
@operator_required(*nav.ADMINS)
def operators_active(operator_id: int):
    active = request.form.get("active") == "1"
    account = auth.set_operator_active(control_session(), session.actor(), operator_id, active)
    if active:
        flash(_("%(name)s can log in again.", name=account.full_name), "success")
    else:
        flash(_("%(name)s is deactivated and logged out everywhere.", name=account.full_name), "success")
    return redirect(url_for("operator.operators"), 303)
