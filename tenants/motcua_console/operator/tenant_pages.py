"""Tenants: the list of every province with its status, contract and usage at a glance."""

from __future__ import annotations

from flask import render_template
from motcua_platform.web.context import control_session
from motcua_tenants.registry import services as registry

from motcua_console.operator import nav
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator


@operator.get("/tenants")
@operator_required(*nav.READERS)
def tenants():
    rows = registry.list_tenants(control_session())
    return render_template("console/operator/tenants.html", tenants=rows)
