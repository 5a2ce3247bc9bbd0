"""Every page of the vendor console (importing a module adds its routes), and what their templates share."""

from __future__ import annotations

from flask import redirect, url_for
from motcua_platform.web.context import runtime

from motcua_console.operator import (
    audit_pages,
    auth_pages,
    finance_pages,
    labels,
    lifecycle_pages,
    national_pages,
    nav,
    operator_pages,
    plugin_pages,
    session,
    tenant_pages,
)
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator

__all__ = [
    "audit_pages",
    "auth_pages",
    "finance_pages",
    "lifecycle_pages",
    "national_pages",
    "operator",
    "operator_pages",
    "plugin_pages",
    "tenant_pages",
]


@operator.context_processor
def operator_context() -> dict:
    principal = session.signed_in()
    return {
        "operator": principal,
        "operator_nav": nav.menu(principal),
        "operator_section": nav.section(),
        "base_domain": runtime().config.base_domain,
        "tenant_status": labels.tenant_status,
        "status_tag": lambda code: labels.TENANT_STATUS_TAG.get(code, ""),
        "job_status": labels.job_status,
        "role_label": labels.role,
        "percent": labels.percent,
    }


@operator.get("")
@operator_required()
def home():
    return redirect(url_for("operator.tenants"), 303)
