"""Every page of the vendor console (importing a module adds its routes), and what their templates share."""

from __future__ import annotations

from flask import redirect, render_template, url_for

from motcua_console.operator import audit_pages, auth_pages, nav, operator_pages, session, tenant_pages
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator

__all__ = ["audit_pages", "auth_pages", "operator", "operator_pages", "tenant_pages"]


@operator.context_processor
def operator_context() -> dict:
    principal = session.signed_in()
    return {"operator": principal, "operator_nav": nav.menu(principal), "operator_section": nav.section()}


@operator.get("")
@operator_required()
def home():
    return redirect(url_for("operator.tenants"), 303)


@operator.get("/finance")
@operator_required(*nav.FINANCE)
def finance():
    """A placeholder the finance pages replace."""
    return render_template("console/operator/finance.html")
