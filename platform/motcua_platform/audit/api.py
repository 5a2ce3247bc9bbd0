"""Reading the audit trail: the vendor's (platform host) and a province's own (tenant host)."""

from motcua_platform.audit.schemas import (
    AuditEventSchema,
    PlatformAuditQueryArgsSchema,
    TenantAuditQueryArgsSchema,
)
from motcua_platform.audit.services import TenantAuditFilter, platform_events, tenant_audit_query
from motcua_platform.auth.models import OperatorRole, StaffRoleName
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, tenant_session
from motcua_platform.web.pagination import paginate
from motcua_platform.web.principals import current_principal

platform_blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    realm="platform",
    description="Who did what to which tenant (operators and admins).",
)
tenant_blp = Blueprint(
    "tenant_audit",
    __name__,
    url_prefix="/api/v1/tenant-audit",
    realm="tenant",
    description="Who did what inside the province (tenant admins).",
)


@platform_blp.route("")
@platform_blp.arguments(PlatformAuditQueryArgsSchema, location="query")
@platform_blp.response(200, AuditEventSchema(many=True))
@platform_blp.paginate()
def platform_audit(args, pagination_parameters):
    """Newest first; filter by tenant slug, action or operator (`actor=operator:<id>`)."""
    current_principal(OperatorRole.OPERATOR, OperatorRole.ADMIN)
    query = platform_events(tenant=args.get("tenant"), action=args.get("action"), actor=args.get("actor"))
    return paginate(control_session(), query, pagination_parameters)


@tenant_blp.route("")
@tenant_blp.arguments(TenantAuditQueryArgsSchema, location="query")
@tenant_blp.response(200, AuditEventSchema(many=True))
@tenant_blp.paginate()
def tenant_audit(args, pagination_parameters):
    """Newest first; filter by action, text in the actor, target (exactly) and days (Vietnam's time)."""
    current_principal(StaffRoleName.TENANT_ADMIN)
    return paginate(tenant_session(), tenant_audit_query(TenantAuditFilter(**args)), pagination_parameters)
