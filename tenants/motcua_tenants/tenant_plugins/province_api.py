"""The province's plugins on its own host, for its tenant admin: which plugins its contract allows and which
it has enabled (``GET /api/v1/province/plugins``), and enabling or disabling an allowed one. The path is not
``/api/v1/plugins``: that one is the platform host's list of what the deployment loads."""

from __future__ import annotations

from motcua_platform.auth.models import StaffRoleName
from motcua_platform.plugins.engine import active
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, current_tenant, on_commit, runtime, tenant_session
from motcua_platform.web.principals import actor, province_principal

from motcua_tenants.tenant_plugins import services
from motcua_tenants.tenant_plugins.schemas import ProvincePluginSchema

blp = Blueprint(
    "province_plugins",
    __name__,
    url_prefix="/api/v1/province/plugins",
    realm="tenant",
    description="The plugins the province's contract allows, enabled or disabled by its tenant admin.",
)


def admin() -> None:
    """A tenant admin of the province itself; the tenant transaction (reads only) ends before the control
    plane's, so the two sessions never interleave (the service writes the tenant's trail in its own)."""
    province_principal(StaffRoleName.TENANT_ADMIN)
    tenant_session().commit()


def switch(name: str, *, enabled: bool) -> services.PluginState:
    """Enable or disable ``name`` for the current province, as its signed-in tenant admin: the API's and the
    console's one way."""
    admin()
    state = services.set_enabled(
        control_session(), runtime().db, actor(), active(), current_tenant().slug, name, enabled=enabled
    )
    on_commit(runtime().resolver.invalidate)
    return state


@blp.route("")
@blp.response(200, ProvincePluginSchema(many=True))
def province_plugins():
    """Each plugin this deployment loads, whether the province's contract allows it and whether it is enabled."""
    admin()
    return services.plugin_states(control_session(), active(), current_tenant().slug)


@blp.route("/<name>/enable", methods=["POST"])
@blp.response(200, ProvincePluginSchema)
@blp.alt_response(409, description="Not in the province's contract, or a plugin it requires is not enabled.")
def enable_plugin(name):
    """Enable an allowed plugin: its procedures join the province's catalogue and portal."""
    return switch(name, enabled=True)


@blp.route("/<name>/disable", methods=["POST"])
@blp.response(200, ProvincePluginSchema)
@blp.alt_response(409, description="An enabled plugin requires this one.")
def disable_plugin(name):
    """Disable a plugin: its procedures leave the province's portal."""
    return switch(name, enabled=False)
