"""Plugins on the platform host: what the deployment has loaded, and each tenant's choice (operators)."""

from motcua_platform.auth.models import OperatorRole
from motcua_platform.plugins.engine import active
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, on_commit, runtime
from motcua_platform.web.principals import actor, current_principal

from motcua_tenants.tenant_plugins import services
from motcua_tenants.tenant_plugins.schemas import PluginSchema, TenantPluginSchema, TenantPluginUpdateSchema

blp = Blueprint(
    "plugins",
    __name__,
    url_prefix="/api/v1",
    realm="platform",
    description="Procedure-group plugins and which tenants use them.",
)

READERS = (OperatorRole.OPERATOR, OperatorRole.ADMIN, OperatorRole.FINANCE)
MANAGERS = (OperatorRole.OPERATOR, OperatorRole.ADMIN)


@blp.route("/plugins")
@blp.response(200, PluginSchema(many=True))
def list_plugins():
    """Plugins loaded in this deployment (the MOTCUA_PLUGINS allow-list), in dependency order."""
    current_principal(*READERS)
    return list(active())


@blp.route("/tenants/<slug>/plugins")
@blp.response(200, TenantPluginSchema(many=True))
def tenant_plugins(slug):
    """Each loaded plugin with whether the tenant has it enabled, and its settings."""
    current_principal(*READERS)
    return services.plugin_states(control_session(), active(), slug)


@blp.route("/tenants/<slug>/plugins/<name>", methods=["PUT"])
@blp.arguments(TenantPluginUpdateSchema)
@blp.response(200, TenantPluginSchema)
def set_tenant_plugin(body, slug, name):
    """Enable (adding the plugin's procedures to the tenant's catalogue) or disable a plugin; set its settings."""
    current_principal(*MANAGERS)
    state = services.set_plugin(
        control_session(),
        runtime().db,
        actor(),
        active(),
        slug,
        name,
        enabled=body["enabled"],
        settings=body["settings"],
    )
    on_commit(runtime().resolver.invalidate)
    return state
