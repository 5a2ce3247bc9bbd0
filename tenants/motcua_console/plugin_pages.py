"""Which procedure-group plugins the province has: each plugin this deployment loads, its version, how many
procedures it brings, whether the province's contract allows it and whether the province has it enabled; as
``GET /api/v1/province/plugins`` (``tenant_plugins.services.plugin_states``) shows it.

The province's tenant admin enables and disables the plugins its contract allows (``set_enabled``, as
``POST /api/v1/province/plugins/<name>/enable`` and ``…/disable``); the vendor keeps the allow-list. Disabling
asks first, on a page of its own (no script needed), since the plugin's procedures leave the portal."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.catalogue.models import Procedure, ProcedureStatus
from motcua_platform.errors import Conflict, NotFound
from motcua_platform.plugins.engine import active
from motcua_platform.web.context import control_session, current_tenant, on_commit, runtime, tenant_session
from motcua_tenants.tenant_plugins import services
from sqlalchemy import func, select

from motcua_console import session
from motcua_console.blueprint import console
from motcua_console.config_access import province_admin_required


def _page(error: str | None = None, status: int = 200):
    counted = (
        select(Procedure.plugin, func.count())
        .where(Procedure.plugin.is_not(None), Procedure.status == ProcedureStatus.PUBLISHED)
        .group_by(Procedure.plugin)
    )
    published = {name: count for name, count in tenant_session().execute(counted)}
    tenant_session().commit()  # reads only; ended before the control plane's, as the branding API does
    states = services.plugin_states(control_session(), active(), current_tenant().slug)
    errors = {"_page": [error]} if error else {}  # not a field: the summary shows it without a link
    return render_template("console/config/plugins.html", states=states, published=published, errors=errors), status


def _state(name: str) -> services.PluginState:
    tenant_session().commit()  # reads only, as above
    for state in services.plugin_states(control_session(), active(), current_tenant().slug):
        if state.plugin.name == name:
            return state
    raise NotFound(_("No plugin named '%(name)s' is loaded in this deployment.", name=name))


def _switch(name: str, *, enabled: bool):
    tenant_session().commit()  # the service writes the province's trail in a session of its own, first
    try:
        state = services.set_enabled(
            control_session(), runtime().db, session.actor(), active(), current_tenant().slug, name, enabled=enabled
        )
    except Conflict as error:  # not in the contract, or the required plugins say no
        return _page(str(error.message), 409)
    on_commit(runtime().resolver.invalidate)
    title = state.plugin.title_vi
    if enabled:
        flash(_("%(plugin)s is enabled: its procedures are in your catalogue.", plugin=title), "success")
    else:
        flash(_("%(plugin)s is disabled: its procedures are no longer on the portal.", plugin=title), "success")
    return redirect(url_for("console.plugins"), 303)


@console.get("/plugins")
@province_admin_required
def plugins():
    return _page()


@console.post("/plugins/<name>/enable")
@province_admin_required
def plugin_enable(name: str):
    return _switch(name, enabled=True)


@console.route("/plugins/<name>/disable", methods=["GET", "POST"])
@province_admin_required
def plugin_disable(name: str):
    """GET asks (the plugin's procedures leave the portal); the form it shows POSTs here."""
    if request.method == "GET":
        state = _state(name)
        if not state.enabled:
            return redirect(url_for("console.plugins"), 303)
        return render_template("console/config/plugin_disable.html", state=state)
    return _switch(name, enabled=False)
