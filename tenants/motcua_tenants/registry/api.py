"""Control-plane tenant lifecycle (platform host, operators) and the public portal branding (tenant host)."""

from flask import url_for
from flask.views import MethodView
from motcua_platform.auth.models import OperatorRole
from motcua_platform.branding import logo_digest
from motcua_platform.directory.models import Tenant
from motcua_platform.directory.services import get_tenant
from motcua_platform.i18n import _
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, current_tenant, on_commit, runtime
from motcua_platform.web.pagination import paginate
from motcua_platform.web.principals import actor, current_principal

from motcua_tenants.branding import services as branding
from motcua_tenants.branding.api import after_change, objects_of
from motcua_tenants.branding.schemas import LogoUploadSchema
from motcua_tenants.registry import services
from motcua_tenants.registry.schemas import (
    DomainSchema,
    PortalSchema,
    SuspendSchema,
    TenantCreateSchema,
    TenantJobSchema,
    TenantListArgsSchema,
    TenantSchema,
    TenantUpdateSchema,
    TenantWithJobSchema,
)

blp = Blueprint(
    "tenants",
    __name__,
    url_prefix="/api/v1/tenants",
    realm="platform",
    description="Provinces as tenants: create (provisioned by a background job), suspend, resume, archive.",
)
portal_blp = Blueprint(
    "portal",
    __name__,
    url_prefix="/api/v1/portal",
    realm="tenant",
    description="Public branding of the province's portal.",
)

MANAGERS = (OperatorRole.OPERATOR, OperatorRole.ADMIN)
READERS = (OperatorRole.OPERATOR, OperatorRole.ADMIN, OperatorRole.FINANCE)


def enqueue_job(job):
    """Queue the job's run once the request has committed its row (a worker must find it), and remember
    the queue's id in a transaction of its own."""
    current = runtime()

    def defer():
        with current.db.control_session() as session:
            row = session.get(type(job), job.id)
            slug = session.get(Tenant, row.tenant_id).slug
            row.queue_job_id = current.jobs.defer(f"tenants:{row.kind}_tenant", job_id=row.id, tenant=slug)
            session.commit()

    on_commit(defer)


def invalidate_hosts():
    """Hosts are resolved anew once the change is committed (a status or a domain changed)."""
    on_commit(runtime().resolver.invalidate)


@blp.route("")
class Tenants(MethodView):
    @blp.arguments(TenantListArgsSchema, location="query")
    @blp.response(200, TenantSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """List tenants, optionally by status."""
        current_principal(*READERS)
        from sqlalchemy import select

        query = select(Tenant).order_by(Tenant.slug)
        if args.get("status"):
            query = query.where(Tenant.status == args["status"])
        return paginate(control_session(), query, pagination_parameters)

    @blp.arguments(TenantCreateSchema)
    @blp.response(202, TenantWithJobSchema)
    def post(self, body):
        """Create a tenant. Provisioning runs as a background job: poll the job URL in `Location`."""
        current_principal(*MANAGERS)
        admin = body.pop("admin", None)
        spec = services.TenantSpec(**body)
        if admin:
            spec.set_admin(admin["email"], admin["full_name"], admin["password"])
        session = control_session()
        job = services.create_tenant(
            session, actor(), spec, base_domain=runtime().config.base_domain, servers=runtime().db.servers
        )
        invalidate_hosts()
        enqueue_job(job)
        tenant = session.get(Tenant, job.tenant_id)
        return (
            {"tenant": tenant, "job": job},
            202,
            {"Location": url_for("tenants.TenantJob", slug=tenant.slug, job_id=job.id)},
        )


@blp.route("/<slug>")
class TenantItem(MethodView):
    @blp.response(200, TenantSchema)
    def get(self, slug):
        """One tenant."""
        current_principal(*READERS)
        return get_tenant(control_session(), slug)

    @blp.arguments(TenantUpdateSchema)
    @blp.response(200, TenantSchema)
    def patch(self, body, slug):
        """Change the tenant's name or branding: the same fields and rules as the province's own
        PATCH /api/v1/branding, and the legal name."""
        current_principal(*MANAGERS)
        session = control_session()
        before = logo_digest(get_tenant(session, slug).logo_url)
        tenant = branding.update_branding(session, actor(), slug, body)
        after_change(slug, before, logo_digest(tenant.logo_url))
        return tenant


@blp.route("/<slug>/logo", methods=["PUT"])
@blp.arguments(LogoUploadSchema, location="form_and_files")
@blp.response(200, TenantSchema)
@blp.alt_response(413, description="The file is larger than 512 KB.")
def put_logo(form, slug):
    """Upload the tenant's portal logo (multipart field `file`): PNG or JPEG by content, at most 512 KB;
    the same as the province's own PUT /api/v1/branding/logo."""
    current_principal(*MANAGERS)
    session = control_session()
    get_tenant(session, slug)  # an unknown slug is a 404 before its storage is named
    with form["file"].stream as stream:  # a large upload is a temporary file: closed whatever happens
        tenant, replaced = branding.set_logo(session, objects_of(slug), actor(), slug, stream)
    after_change(slug, replaced, None)
    return tenant


@blp.route("/<slug>/domains", methods=["POST"])
@blp.arguments(DomainSchema)
@blp.response(201, TenantSchema)
def add_domain(body, slug):
    """Serve the tenant on another (custom) domain as well."""
    current_principal(*MANAGERS)
    session = control_session()
    services.add_domain(session, actor(), slug, body["domain"], base_domain=runtime().config.base_domain)
    invalidate_hosts()
    return get_tenant(session, slug), 201


@blp.route("/<slug>/domains/<domain>", methods=["DELETE"])
@blp.response(204)
def remove_domain(slug, domain):
    """Stop serving the tenant on a custom domain."""
    current_principal(*MANAGERS)
    session = control_session()
    services.remove_domain(session, actor(), slug, domain)
    invalidate_hosts()


@blp.route("/<slug>/suspend", methods=["POST"])
@blp.arguments(SuspendSchema)
@blp.response(200, TenantSchema)
def suspend(body, slug):
    """Suspend: the tenant's host answers 503; all data is kept."""
    current_principal(*MANAGERS)
    session = control_session()
    tenant = services.suspend_tenant(session, actor(), slug, body.get("reason"))
    invalidate_hosts()
    return tenant


@blp.route("/<slug>/resume", methods=["POST"])
@blp.response(200, TenantSchema)
def resume(slug):
    """Resume a suspended tenant."""
    current_principal(*MANAGERS)
    session = control_session()
    tenant = services.resume_tenant(session, actor(), slug)
    invalidate_hosts()
    return tenant


@blp.route("/<slug>/archive", methods=["POST"])
@blp.response(202, TenantWithJobSchema)
def archive(slug):
    """Archive: the schema is dumped with pg_dump to a file, then removed (background job)."""
    current_principal(*MANAGERS)
    session = control_session()
    job = services.request_archive(session, actor(), slug)
    invalidate_hosts()
    enqueue_job(job)
    return (
        {"tenant": get_tenant(session, slug), "job": job},
        202,
        {"Location": url_for("tenants.TenantJob", slug=slug, job_id=job.id)},
    )


@blp.route("/<slug>/provision", methods=["POST"])
@blp.response(202, TenantWithJobSchema)
def provision(slug):
    """Run provisioning again after a failure."""
    current_principal(*MANAGERS)
    session = control_session()
    job = services.retry_provision(session, actor(), slug)
    enqueue_job(job)
    return (
        {"tenant": get_tenant(session, slug), "job": job},
        202,
        {"Location": url_for("tenants.TenantJob", slug=slug, job_id=job.id)},
    )


@blp.route("/<slug>/jobs/<int:job_id>", endpoint="TenantJob")
@blp.response(200, TenantJobSchema)
def tenant_job(slug, job_id):
    """Progress of a provision or archive job."""
    current_principal(*READERS)
    session = control_session()
    tenant = get_tenant(session, slug)
    job = services.get_job(session, job_id)
    if job.tenant_id != tenant.id:
        from motcua_platform.errors import NotFound

        raise NotFound(_("Tenant '%(slug)s' has no job %(job_id)s.", slug=slug, job_id=job_id))
    return job


@portal_blp.route("")
@portal_blp.response(200, PortalSchema)
@portal_blp.doc(security=[])
def portal():
    """The province's name and branding for its portal (public)."""
    return current_tenant()
