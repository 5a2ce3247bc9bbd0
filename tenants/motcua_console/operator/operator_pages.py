"""Operator accounts (admins only, as ``/api/v1/operators``)."""

from __future__ import annotations

from flask import render_template
from motcua_platform.auth.models import Operator
from motcua_platform.web.context import control_session
from sqlalchemy import select

from motcua_console.operator import nav
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator


@operator.get("/operators")
@operator_required(*nav.ADMINS)
def operators():
    rows = list(control_session().scalars(select(Operator).order_by(Operator.id)))
    return render_template("console/operator/operators.html", operators=rows)
