"""Which procedure-group plugins the province has: each plugin this deployment loads, its version, how many
procedures it brings and whether the province has it enabled; as ``GET /api/v1/tenants/<slug>/plugins``
(``tenant_plugins.services.plugin_states``) shows it to the vendor's operators.

Enabling a plugin stays with the vendor (``PUT /api/v1/tenants/<slug>/plugins/<name>``, operators): no
contract or per-province allow-list says yet which plugins a province may turn on by itself, so the page
says whom to ask instead of offering a button that would have to invent that rule."""

from __future__ import annotations

from flask import render_template
from motcua_onestop.catalogue.models import Procedure, ProcedureStatus
from motcua_platform.plugins.engine import active
from motcua_platform.web.context import control_session, current_tenant, tenant_session
from motcua_tenants.tenant_plugins import services
from sqlalchemy import func, select

from motcua_console.blueprint import console
from motcua_console.config_access import province_admin_required


@console.get("/plugins")
@province_admin_required
def plugins():
    counted = (
        select(Procedure.plugin, func.count())
        .where(Procedure.plugin.is_not(None), Procedure.status == ProcedureStatus.PUBLISHED)
        .group_by(Procedure.plugin)
    )
    published = {name: count for name, count in tenant_session().execute(counted)}
    tenant_session().commit()  # reads only; ended before the control plane's, as the branding API does
    states = services.plugin_states(control_session(), active(), current_tenant().slug)
    return render_template("console/config/plugins.html", states=states, published=published)
