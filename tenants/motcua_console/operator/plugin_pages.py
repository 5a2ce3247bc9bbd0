"""The plugin allow-list of a tenant: which of the deployment's plugins the province's contract allows (it
enables them itself, on its console's Plugins page), through the API's ``set_allowed`` (one change per plugin
whose box changed, allowing in dependency order and taking off in reverse, as the API's callers would).
Taking an enabled plugin off the list disables it too; the page shows which are enabled."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_platform.directory.services import get_tenant
from motcua_platform.errors import Conflict
from motcua_platform.plugins.engine import active
from motcua_platform.web.context import control_session, runtime
from motcua_tenants.registry.api import invalidate_hosts
from motcua_tenants.tenant_plugins import services as plugins

from motcua_console.operator import nav, session
from motcua_console.operator.auth_pages import operator_required
from motcua_console.operator.blueprint import operator


def _page(slug: str, chosen: set[str] | None = None, errors: dict | None = None, status: int = 200):
    db = control_session()
    tenant = get_tenant(db, slug)
    states = plugins.plugin_states(db, active(), slug)
    if chosen is None:
        chosen = {state.plugin.name for state in states if state.allowed}
    page = render_template(
        "console/operator/plugins.html", tenant=tenant, states=states, chosen=chosen, errors=errors or {}
    )
    return page, status


@operator.route("/tenants/<slug>/plugins", methods=["GET", "POST"])
@operator_required(*nav.MANAGERS)
def tenants_plugins(slug: str):
    if request.method == "GET":
        return _page(slug)
    registry = active()
    known = {plugin.name for plugin in registry}
    chosen = {name for name in request.form.getlist("plugin") if name in known}
    missing = [
        _("%(plugin)s needs %(required)s.", plugin=plugin.name, required=", ".join(needed))
        for plugin in registry
        if plugin.name in chosen and (needed := [r for r in plugin.required_plugins if r not in chosen])
    ]
    if missing:  # checked for the whole choice first, so that no change is saved when one would be refused
        return _page(slug, chosen, {"plugin": missing}, 422)
    db = control_session()
    allowed = {state.plugin.name for state in plugins.plugin_states(db, registry, slug) if state.allowed}
    order = [plugin.name for plugin in registry]  # dependency order: requirements first
    changes = [(name, False) for name in reversed(order) if name in allowed - chosen]
    changes += [(name, True) for name in order if name in chosen - allowed]
    try:
        for name, on in changes:
            plugins.set_allowed(db, runtime().db, session.actor(), registry, slug, name, allowed=on)
    except Conflict as error:
        return _page(slug, chosen, {"plugin": [str(error.message)]}, 409)
    invalidate_hosts()
    if changes:
        flash(_("The plugins the province may use are saved."), "success")
    return redirect(url_for("operator.tenants_plugins", slug=slug), 303)
