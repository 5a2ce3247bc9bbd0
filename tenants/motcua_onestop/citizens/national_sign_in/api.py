"""The province's identity provider for its admins: read and set (ADR 0048). Citizens sign in through the
portal's pages (motcua_portal.national_sign_in_pages), not through the API."""

from flask.views import MethodView
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import runtime, tenant_session
from motcua_platform.web.principals import actor, province_principal

from motcua_onestop.citizens.national_sign_in import settings
from motcua_onestop.citizens.national_sign_in.schemas import IdentityProviderSchema

blp = Blueprint(
    "national_sign_in",
    __name__,
    url_prefix="/api/v1/identity-provider",
    realm="tenant",
    description="Sign-in with national identity: the province's OpenID Connect provider (tenant admins).",
)


@blp.route("")
class IdentityProviderView(MethodView):
    @blp.response(200, IdentityProviderSchema)
    def get(self):
        """The province's provider; whether a client secret is set, never the secret."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        return settings.describe(settings.current(tenant_session()))

    @blp.arguments(IdentityProviderSchema)
    @blp.response(200, IdentityProviderSchema)
    def put(self, body):
        """Set the provider (422 with every problem, nothing saved). Without `client_secret` the stored one
        is kept; switching on reads the provider's discovery document first. Audited."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        return settings.change(tenant_session(), actor(), **body, local=runtime().config.testing)
