"""Plugins on the platform host: what the deployment has loaded, and each tenant's allow-list and enabled
plugins (operators). The province's own view and switches are ``province_api``."""

from flask.views import MethodView
from motcua_platform.auth.models import OperatorRole
from motcua_platform.plugins.engine import active
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, on_commit, runtime
from motcua_platform.web.principals import actor, current_principal

from motcua_tenants.tenant_plugins import services
from motcua_tenants.tenant_plugins.schemas import (
    PluginSchema,
    TenantPluginAllowSchema,
    TenantPluginSchema,
    TenantPluginUpdateSchema,
)

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


@blp.route("/tenants/<slug>/plugins/<name>")
class TenantPlugin(MethodView):
    @blp.arguments(TenantPluginUpdateSchema)
    @blp.response(200, TenantPluginSchema)
    @blp.alt_response(409, description="A required plugin is not enabled, or an enabled plugin requires this one.")
    def put(self, body, slug, name):
        """Enable (adding the plugin's procedures to the tenant's catalogue, and allowing it) or disable a
        plugin; set its settings. Disabling leaves it allowed: the province may enable it again."""
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

    @blp.arguments(TenantPluginAllowSchema)
    @blp.response(200, TenantPluginSchema)
    @blp.alt_response(409, description="The plugin is enabled and an enabled plugin requires it.")
    def patch(self, body, slug, name):
        """Put the plugin on the tenant's allow-list (what its contract allows; the province's tenant admin
        may then enable it) or take it off, which disables it too."""
        current_principal(*MANAGERS)
        state = services.set_allowed(
            control_session(), runtime().db, actor(), active(), slug, name, allowed=body["allowed"]
        )
        on_commit(runtime().resolver.invalidate)
        return state
