"""The vendor audit trail (as ``GET /api/v1/audit``)."""

from __future__ import annotations

from flask import render_template

from motcua_console.operator import nav
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator


@operator.get("/audit")
@operator_required(*nav.MANAGERS)
def audit():
    return render_template("console/operator/audit.html", events=[])
