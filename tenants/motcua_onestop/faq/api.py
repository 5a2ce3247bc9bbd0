"""The province's questions and answers on its host: reading and searching are public; a tenant admin adds,
changes and removes the entries of the units they manage, and one of the province itself makes the missing
ones from the catalogue."""

from dataclasses import replace

from flask.views import MethodView
from motcua_platform.auth.api import covered_units
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import tenant_context, tenant_session
from motcua_platform.web.principals import actor, province_principal

from motcua_onestop.calendar.services import today
from motcua_onestop.faq import generate, services
from motcua_onestop.faq.schemas import FaqArgsSchema, FaqEntrySchema, FaqGenerateResultSchema

blp = Blueprint(
    "faq",
    __name__,
    url_prefix="/api/v1/faq",
    realm="tenant",
    description="Frequently asked questions: search them (public); tenant admins edit their units' entries.",
)


@blp.route("")
class FaqEntries(MethodView):
    @blp.arguments(FaqArgsSchema, location="query")
    @blp.response(200, FaqEntrySchema(many=True))
    @blp.paginate()
    @blp.doc(security=[])
    def get(self, args, pagination_parameters):
        """Search the questions (public): accent-insensitive word prefixes, the question's words first."""
        filters = services.FaqFilter(
            q=args.get("q"),
            field=args.get("field"),
            procedure_code=args.get("procedure"),
            unit_id=args.get("unit"),
            enabled=tuple(tenant_context().enabled),
        )
        reach = None
        if args.get("drafts"):
            reach = covered_units()  # 401/403 for anyone but a tenant admin
            filters = replace(filters, published_only=False, enabled=None)
        size = pagination_parameters.page_size
        offset = (pagination_parameters.page - 1) * size
        entries, total = services.find(tenant_session(), filters, limit=size, offset=offset, units=reach)
        pagination_parameters.item_count = total
        return entries

    @blp.arguments(FaqEntrySchema)
    @blp.response(201, FaqEntrySchema)
    def post(self, body):
        """Add a question and its answer for one of the caller's units (tenant admin)."""
        return services.create(tenant_session(), actor(), covered_units(), body)


@blp.route("/<int:entry_id>")
class FaqEntryItem(MethodView):
    @blp.response(200, FaqEntrySchema)
    @blp.doc(security=[])
    def get(self, entry_id):
        """One published question (public)."""
        return services.get_published(tenant_session(), entry_id)

    @blp.arguments(FaqEntrySchema)
    @blp.response(200, FaqEntrySchema)
    def patch(self, body, entry_id):
        """Change an entry of one of the caller's units (tenant admin); an entry made from the catalogue is the
        province's own from then on."""
        return services.update(tenant_session(), actor(), covered_units(), entry_id, body)

    @blp.response(204)
    def delete(self, entry_id):
        """Remove an entry of one of the caller's units (tenant admin)."""
        services.delete(tenant_session(), actor(), covered_units(), entry_id)


@blp.route("/generate", methods=["POST"])
@blp.response(200, FaqGenerateResultSchema)
def generate_entries():
    """Bring the questions made from the catalogue (what to bring, fees, time, where…) and the portal's in
    step with the catalogue (a tenant admin of the province itself): the missing added, the changed rewritten,
    those it no longer gives removed; an entry an admin edited is left as it is."""
    province_principal(StaffRoleName.TENANT_ADMIN)
    made = generate.make(tenant_session(), actor(), tenant_context().enabled, today())
    return {"added": made.added, "rewritten": made.rewritten, "removed": made.removed}
