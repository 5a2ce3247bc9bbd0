"""The national portal sync for operators: every province's backlog on one page (what has not reached the
national portal yet, what is failing, what the receiver refused), one province's failing rows with their last
error, and "retry now" on a row, through the same services as ``/api/v1/national-sync`` and
``/api/v1/tenants/<slug>/national-sync``."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from motcua_onestop.national_sync import backlog
from motcua_onestop.national_sync import settings as sync_settings
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import Conflict
from motcua_platform.web.context import control_session, runtime

from motcua_console.operator import nav, session
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator


@operator.get("/national-sync")
@operator_required(*nav.AUDITORS)
def national():
    return render_template("console/operator/national_sync.html", provinces=backlog.overview(runtime().db))


@operator.get("/national-sync/<slug>")
@operator_required(*nav.AUDITORS)
def national_tenant(slug: str):
    db = runtime().db
    with db.tenant_session(db.binding(backlog.active_tenant(db, slug))) as tenant_session:
        settings = sync_settings.describe(sync_settings.current(tenant_session))
        summary = backlog.backlog(tenant_session)
        failures = backlog.failures(tenant_session)
    name = get_tenant(control_session(), slug).name
    return render_template(
        "console/operator/national_sync_tenant.html",
        slug=slug,
        name=name,
        settings=settings,
        summary=summary,
        failures=failures,
    )


@operator.post("/national-sync/<slug>/rows/<int:row_id>/retry")
@operator_required(*nav.AUDITORS)
def national_retry(slug: str, row_id: int):
    db = runtime().db
    with db.tenant_session(db.binding(backlog.active_tenant(db, slug))) as tenant_session:
        try:
            backlog.retry(tenant_session, session.actor(), row_id)
        except Conflict as error:
            flash(str(error.message), "warning")
        else:
            tenant_session.commit()
            flash(_("The change will be sent again at the next run (within a minute)."), "success")
    return redirect(url_for("operator.national_tenant", slug=slug), 303)
