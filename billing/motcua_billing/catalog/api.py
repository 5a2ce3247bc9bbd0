"""Vendor finance on the platform host: metrics, plans, billing accounts and contracts."""

from flask.views import MethodView
from motcua_platform.auth.models import OperatorRole
from motcua_platform.i18n import _
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import control_session
from motcua_platform.web.principals import actor, current_principal
from sqlalchemy import select

from motcua_billing.catalog import services
from motcua_billing.catalog.models import BillingAccount, Contract
from motcua_billing.catalog.schemas import (
    AccountSchema,
    ContractInSchema,
    ContractListArgsSchema,
    ContractSchema,
    MetricSchema,
    PlanSchema,
    PriceVersionInSchema,
    PriceVersionSchema,
)

blp = Blueprint(
    "billing_catalog",
    __name__,
    url_prefix="/api/v1/billing",
    realm="platform",
    description="Billing terms: billable metrics, plans (templates), billing accounts and contracts.",
)

ACTORS = (OperatorRole.FINANCE, OperatorRole.ADMIN)
READERS = (OperatorRole.FINANCE, OperatorRole.ADMIN, OperatorRole.OPERATOR)


def _with_slug(contract: Contract) -> Contract:
    from motcua_platform.directory.models import Tenant

    contract.tenant_slug = control_session().scalar(select(Tenant.slug).where(Tenant.id == contract.tenant_id))
    return contract


@blp.route("/metrics")
class Metrics(MethodView):
    @blp.response(200, MetricSchema(many=True))
    def get(self):
        """Billable metrics and how each is aggregated over a period (count, sum, max)."""
        current_principal(*READERS)
        return services.list_metrics(control_session())

    @blp.arguments(MetricSchema)
    @blp.response(201, MetricSchema)
    def post(self, body):
        """Add a metric: data, not code."""
        current_principal(*ACTORS)
        session = control_session()
        metric = services.create_metric(session, actor(), **body)
        return metric


@blp.route("/plans")
class Plans(MethodView):
    @blp.response(200, PlanSchema(many=True))
    def get(self):
        """Plans: templates that contracts copy."""
        current_principal(*READERS)
        return services.list_plans(control_session())

    @blp.arguments(PlanSchema)
    @blp.response(201, PlanSchema)
    def post(self, body):
        """Create a plan."""
        current_principal(*ACTORS)
        session = control_session()
        plan = services.create_plan(session, actor(), **body)
        return plan


@blp.route("/accounts/<slug>")
class Account(MethodView):
    @blp.response(200, AccountSchema)
    def get(self, slug):
        """Who a tenant's invoices are addressed to."""
        current_principal(*READERS)
        session = control_session()
        tenant = services.tenant_by_slug(session, slug)
        account = services.get_account(session, tenant.id)
        if account is None:
            from motcua_platform.errors import NotFound

            raise NotFound(_("Tenant '%(slug)s' has no billing account yet.", slug=slug))
        return account

    @blp.arguments(AccountSchema)
    @blp.response(200, AccountSchema)
    def put(self, body, slug):
        """Set the legal name, tax code, address and finance e-mails (alerts and invoices go there)."""
        current_principal(*ACTORS)
        session = control_session()
        account: BillingAccount = services.set_account(session, actor(), slug, **body)
        return account


@blp.route("/contracts")
class Contracts(MethodView):
    @blp.arguments(ContractListArgsSchema, location="query")
    @blp.response(200, ContractSchema(many=True))
    def get(self, args):
        """Contracts, optionally of one tenant."""
        current_principal(*READERS)
        session = control_session()
        tenant_id = services.tenant_by_slug(session, args["tenant"]).id if args.get("tenant") else None
        return [_with_slug(c) for c in services.list_contracts(session, tenant_id)]

    @blp.arguments(ContractInSchema)
    @blp.response(201, ContractSchema)
    def post(self, body):
        """Create a contract from a plan, or with explicit price versions (pilot, then official tariff)."""
        current_principal(*ACTORS)
        session = control_session()
        contract = services.create_contract(session, actor(), **body)
        return _with_slug(contract)


@blp.route("/contracts/<code>")
@blp.response(200, ContractSchema)
def contract_item(code):
    """One contract with its price versions."""
    current_principal(*READERS)
    return _with_slug(services.get_contract(control_session(), code))


@blp.route("/contracts/<code>/price-versions", methods=["POST"])
@blp.arguments(PriceVersionInSchema)
@blp.response(201, PriceVersionSchema)
def add_price_version(body, code):
    """Add a tariff taking effect from a later month (e.g. the official tariff after the pilot)."""
    current_principal(*ACTORS)
    session = control_session()
    version = services.add_price_version(session, actor(), code, body)
    return version
