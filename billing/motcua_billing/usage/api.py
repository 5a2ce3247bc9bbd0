"""Usage ingestion for sources outside a tenant's own transactions (SMS gateway, API gateway, storage meter)."""

from motcua_platform.audit.services import record
from motcua_platform.auth.models import OperatorRole
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session, on_commit, runtime
from motcua_platform.web.principals import actor, current_principal

from motcua_billing.usage import metrics as usage_metrics
from motcua_billing.usage import services
from motcua_billing.usage.schemas import DrainResultSchema, UsageBatchResultSchema, UsageBatchSchema

blp = Blueprint(
    "billing_usage",
    __name__,
    url_prefix="/api/v1/billing/usage-events",
    realm="platform",
    description="Metered usage: batch ingestion with a result per item, deduplicated on (tenant, metric, event id).",
)

# Usage raises invoices: only finance and admins may send it (operators run tenants, not money).
SOURCES = (OperatorRole.ADMIN, OperatorRole.FINANCE)


@blp.route("", methods=["POST"])
@blp.arguments(UsageBatchSchema)
@blp.response(200, UsageBatchResultSchema)
def ingest(body):
    """Record a batch of usage events. Always answers per item; duplicates are no-ops, never errors."""
    principal = current_principal(*SOURCES)
    session = control_session()
    result = services.ingest(session, body["events"], source="api")
    on_commit(lambda: usage_metrics.count(result, "api"))
    if result.count("accepted") or result.count("rejected"):
        record(
            session,
            actor(),
            "billing.usage_ingest",
            target=f"operator:{principal.id}",
            accepted=result.count("accepted"),
            duplicates=result.count("duplicate"),
            rejected=result.count("rejected"),
        )
    return result.as_dict()


@blp.route("/drain", methods=["POST"])
@blp.response(200, DrainResultSchema(many=True))
def drain():
    """Move usage recorded inside tenant transactions (tenant outboxes) into the ledger now."""
    current_principal(OperatorRole.FINANCE, OperatorRole.ADMIN)
    control_session().commit()  # end the authentication transaction: the drain opens its own, per tenant
    return [vars(r) for r in services.drain_all(runtime().db)]
