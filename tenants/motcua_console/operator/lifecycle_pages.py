"""Suspend, resume and archive a tenant, each from a page that asks for confirmation first (archiving also
asks for the tenant's slug to be typed), through the API's lifecycle services."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_platform.directory.services import get_tenant
from motcua_platform.web.context import control_session
from motcua_tenants.registry import services as registry
from motcua_tenants.registry.api import enqueue_job, invalidate_hosts

from motcua_console.operator import nav, session
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator

REASON_MAX = 500


def _confirm_page(action: str, slug: str, errors: dict | None = None, values: dict | None = None, status: int = 200):
    tenant = get_tenant(control_session(), slug)
    page = render_template(
        "console/operator/confirm.html", action=action, tenant=tenant, errors=errors or {}, values=values or {}
    )
    return page, status


@operator.route("/tenants/<slug>/suspend", methods=["GET", "POST"])
@operator_required(*nav.MANAGERS)
def tenants_suspend(slug: str):
    if request.method == "GET":
        return _confirm_page("suspend", slug)
    reason = (request.form.get("reason") or "").strip()
    if len(reason) > REASON_MAX:
        errors = {"reason": [_("Keep the reason under %(max)s characters.", max=REASON_MAX)]}
        return _confirm_page("suspend", slug, errors, {"reason": reason}, 422)
    registry.suspend_tenant(control_session(), session.actor(), slug, reason or None)
    invalidate_hosts()
    flash(_("The province is suspended: its addresses answer that the service is unavailable."), "success")
    return redirect(url_for("operator.tenants_show", slug=slug), 303)


@operator.route("/tenants/<slug>/resume", methods=["GET", "POST"])
@operator_required(*nav.MANAGERS)
def tenants_resume(slug: str):
    if request.method == "GET":
        return _confirm_page("resume", slug)
    registry.resume_tenant(control_session(), session.actor(), slug)
    invalidate_hosts()
    flash(_("The province is served again."), "success")
    return redirect(url_for("operator.tenants_show", slug=slug), 303)


@operator.route("/tenants/<slug>/archive", methods=["GET", "POST"])
@operator_required(*nav.MANAGERS)
def tenants_archive(slug: str):
    if request.method == "GET":
        return _confirm_page("archive", slug)
    typed = (request.form.get("confirm_slug") or "").strip()[:64]
    if typed != slug:
        errors = {"confirm_slug": [_("Type the tenant’s slug, %(slug)s, exactly to confirm.", slug=slug)]}
        return _confirm_page("archive", slug, errors, {"confirm_slug": typed}, 422)
    job = registry.request_archive(control_session(), session.actor(), slug)
    invalidate_hosts()
    enqueue_job(job)
    return redirect(url_for("operator.tenants_job", slug=slug, job_id=job.id), 303)
