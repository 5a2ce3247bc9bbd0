"""The province's brand on its own host, changed by its tenant admin: ``GET/PATCH /api/v1/branding`` and
``PUT /api/v1/branding/logo``. The portal shows a change at once in the process that made it (its tenant
cache is dropped after the commit), in the others within MOTCUA_TENANT_CACHE_SECONDS."""

from __future__ import annotations

from flask.views import MethodView
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.branding import logo_digest, logo_key
from motcua_platform.directory.services import get_tenant
from motcua_platform.storage.services import TenantObjects, tenant_objects
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, current_tenant, on_commit, runtime, tenant_session
from motcua_platform.web.principals import actor, province_principal

from motcua_tenants.branding import services
from motcua_tenants.branding.schemas import BrandingSchema, BrandingUpdateSchema, LogoUploadSchema

blp = Blueprint(
    "branding",
    __name__,
    url_prefix="/api/v1/branding",
    realm="tenant",
    description="The province's brand on its portal: names, colours, logo, contact details (tenant admin).",
)


def branding_admin() -> None:
    """The brand is the whole province's: a tenant admin of the province itself changes it. The caller is
    known; end the tenant transaction (reads only) before the control plane's, so the two sessions never
    interleave (the tenant's audit record is a transaction of its own, committed first)."""
    province_principal(StaffRoleName.TENANT_ADMIN)
    tenant_session().commit()


def objects_of(slug: str) -> TenantObjects:
    return tenant_objects(runtime().config, slug)


def after_change(slug: str, logo_before: str | None, logo_after: str | None) -> None:
    """Once committed: drop this process's tenant cache (the portal shows the change at once) and the
    object of a logo no longer used. Both run after the commit; neither can undo the change."""
    current = runtime()
    on_commit(current.resolver.invalidate)
    if logo_before and logo_before != logo_after:
        objects = objects_of(slug)
        on_commit(lambda: objects.delete(logo_key(logo_before)))


@blp.route("")
class Branding(MethodView):
    @blp.response(200, BrandingSchema)
    def get(self):
        """The province's brand as its portal shows it."""
        branding_admin()
        return services.branding_view(get_tenant(control_session(), current_tenant().slug))

    @blp.arguments(BrandingUpdateSchema)
    @blp.response(200, BrandingSchema)
    def patch(self, body):
        """Change the display name, colours or contact details (all or none); null or "" removes a contact
        detail, logo_url null removes the logo. The primary colour must carry white or near-black text at
        4.5:1 contrast."""
        branding_admin()
        slug = current_tenant().slug
        session = control_session()
        before = logo_digest(get_tenant(session, slug).logo_url)
        tenant = services.update_branding(
            session, actor(), slug, body, allowed=services.PROVINCE_FIELDS, tenant_audit=tenant_session()
        )
        after_change(slug, before, logo_digest(tenant.logo_url))
        return services.branding_view(tenant)


@blp.route("/logo", methods=["PUT"])
@blp.arguments(LogoUploadSchema, location="form_and_files")
@blp.response(200, BrandingSchema)
@blp.alt_response(413, description="The file is larger than 512 KB.")
def put_logo(form):
    """Upload the portal's logo (multipart field `file`): PNG or JPEG, recognised by content, at most
    512 KB. It is served at the returned logo_url, /brand/logo?v=<digest>."""
    branding_admin()
    slug = current_tenant().slug
    with form["file"].stream as stream:  # a large upload is a temporary file: closed whatever happens
        tenant, replaced = services.set_logo(
            control_session(), objects_of(slug), actor(), slug, stream, tenant_audit=tenant_session()
        )
    after_change(slug, replaced, None)
    return services.branding_view(tenant)
