"""The province's procedure catalogue on its host. Reading and searching are public; changes need the
tenant-admin role."""

from flask import Response, request
from flask.views import MethodView
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.cache import TTLCache
from motcua_platform.directory.content import content_changed
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.plugins.engine import active
from motcua_platform.plugins.forms import form_json_schema
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.caching import cached_public_get
from motcua_platform.web.context import current_tenant, tenant_context, tenant_session
from motcua_platform.web.principals import actor, province_principal

from motcua_onestop.calendar.services import today
from motcua_onestop.catalogue import exchange, receiving, search, services
from motcua_onestop.catalogue.schemas import (
    DriftDiffSchema,
    DriftSchema,
    ExportArgsSchema,
    FormCheckResultSchema,
    FormDescriptionSchema,
    ImportResultSchema,
    ProcedureRevisionSchema,
    ProcedureSchema,
    ProcedureSummarySchema,
    SearchArgsSchema,
    VersionArgsSchema,
)
from motcua_onestop.units.schemas import UnitSchema

blp = Blueprint(
    "procedures",
    __name__,
    url_prefix="/api/v1/procedures",
    realm="tenant",
    description="Find procedures, read their requirements and check an application form.",
)
admin_blp = Blueprint(
    "catalogue",
    __name__,
    url_prefix="/api/v1/catalogue",
    realm="tenant",
    description="Catalogue administration: import, export, plugin drift (tenant admin).",
)

MAX_IMPORT_BYTES = 10 * 1024 * 1024

# "Where to submit" per (tenant, catalogue and units versions, enabled plugins, path): it changes with both.
RECEIVING_CACHE = TTLCache(max_entries=4096, ttl=30)
cached_receiving = cached_public_get(
    RECEIVING_CACHE, lambda tenant: (tenant.catalogue_version, tenant.units_version, tuple(tenant.plugins))
)
# The search's whole answer per (tenant, catalogue version, enabled plugins, query string): a repeated search
# skips parsing, the session and the dump. Spellings of one query share the search's own cache behind it.
# Like that cache, only the first pages: deeper ones are rarely asked for twice.
ANSWER_CACHE = TTLCache(max_entries=4096, ttl=30)
cached_answer = cached_public_get(
    ANSWER_CACHE,
    lambda tenant: (tenant.catalogue_version, tuple(tenant.plugins)),
    only_if=lambda: request.args.get("page", 1, type=int) <= search.CACHED_PAGES,
)


def _catalogue_changed() -> None:
    """Call when the request changes the tenant's catalogue (the version is bumped after its commit)."""
    content_changed("catalogue")


def _enabled() -> tuple[str, ...]:
    """Plugins the tenant enabled that this deployment still loads (an unloaded plugin has no forms)."""
    return tenant_context().enabled


def _admin() -> None:
    """The catalogue is the whole province's: only a tenant admin of the province itself changes it."""
    province_principal(StaffRoleName.TENANT_ADMIN)


@blp.route("")
class Procedures(MethodView):
    @cached_answer
    @blp.arguments(SearchArgsSchema, location="query")
    @blp.response(200, ProcedureSummarySchema(many=True))
    @blp.paginate()
    @blp.doc(security=[])
    def get(self, args, pagination_parameters):
        """Search the catalogue (public): accent-insensitive word prefixes, filters, best matches first."""
        return search.search(tenant_session(), current_tenant(), _enabled(), args, pagination_parameters)

    @blp.arguments(ProcedureSchema)
    @blp.response(201, ProcedureSchema)
    def post(self, body):
        """Add one of the province's own procedures (as a draft)."""
        _admin()
        session = tenant_session()
        row = services.create_procedure(session, actor(), body)
        _catalogue_changed()
        return row


@blp.route("/<code>")
class ProcedureItem(MethodView):
    @blp.arguments(VersionArgsSchema, location="query")
    @blp.response(200, ProcedureSchema)
    @blp.doc(security=[])
    def get(self, args, code):
        """The published version (public), or an earlier one with ?version=N."""
        return services.get_procedure(tenant_session(), code, _enabled(), version=args.get("version"))

    @blp.arguments(ProcedureRevisionSchema)
    @blp.response(200, ProcedureSchema)
    def patch(self, body, code):
        """Edit into a draft version; for a plugin's procedure, override fees, time limit or online mode."""
        _admin()
        session = tenant_session()
        row = services.revise(session, actor(), code, body)
        _catalogue_changed()
        return row


@blp.route("/<code>/units")
@cached_receiving
@blp.response(200, UnitSchema(many=True))
@blp.doc(security=[])
def receiving_units(code):
    """Where to submit (public): the open units that receive the published procedure today — its competent
    units and the service centres of its tier (commune or province). Intake anywhere else is a 422."""
    session = tenant_session()
    row = services.get_procedure(session, code, _enabled())
    return receiving.receiving_units(session, row, today())


@blp.route("/<code>/versions")
@blp.response(200, ProcedureSchema(many=True))
def procedure_versions(code):
    """Every version of a procedure, drafts and retired ones included (tenant admin)."""
    _admin()
    return services.versions(tenant_session(), code)


@blp.route("/<code>/publish", methods=["POST"])
@blp.response(200, ProcedureSchema)
def publish(code):
    """Publish the draft; the version published before it is retired (dossiers keep their version)."""
    _admin()
    session = tenant_session()
    row = services.publish(session, actor(), code)
    _catalogue_changed()
    return row


@blp.route("/<code>/retire", methods=["POST"])
@blp.response(200, ProcedureSchema)
def retire(code):
    """Withdraw the procedure from the catalogue."""
    _admin()
    session = tenant_session()
    row = services.retire(session, actor(), code)
    _catalogue_changed()
    return row


@blp.route("/<code>/apply-plugin-update", methods=["POST"])
@blp.response(200, ProcedureSchema)
def apply_plugin_update(code):
    """Make a draft with the plugin's current definition, keeping the province's overrides."""
    _admin()
    session = tenant_session()
    row = services.apply_plugin_update(session, actor(), active(), code)
    _catalogue_changed()
    return row


@blp.route("/<code>/form")
@blp.arguments(VersionArgsSchema, location="query")
@blp.response(200, FormDescriptionSchema)
@blp.doc(security=[])
def form(args, code):
    """The application form as JSON Schema, with required documents and fees (public)."""
    row = services.get_procedure(tenant_session(), code, _enabled(), version=args.get("version"))
    definition = services.definition_for(active(), row)
    if definition is None:
        raise InvalidInput(_("This procedure has no electronic form yet."), {"_form": [_("No electronic form.")]})
    return {
        "code": row.code,
        "version": row.version,
        "schema": form_json_schema(definition.form),
        "documents": row.documents,
        "fees": row.fees,
    }


@blp.route("/<code>/form/check", methods=["POST"])
@blp.response(200, FormCheckResultSchema)
@blp.doc(security=[], requestBody={"content": {"application/json": {"schema": {"type": "object"}}}})
def check_form(code):
    """Check a filled-in application form: every error at once, in Vietnamese; or the fees it will owe."""
    row = services.get_procedure(tenant_session(), code, _enabled())
    data = request.get_json(silent=True)
    if data is None:
        raise InvalidInput(_("The declaration is not valid."), {"_form": [_("The data must be a JSON object.")]})
    cleaned, fees = services.check_form(active(), row, data, current_tenant().plugins.get(row.plugin))
    return {"valid": True, "data": cleaned, "fees": fees, "total_fee": sum(f.amount for f in fees)}


@admin_blp.route("/drift")
@admin_blp.response(200, DriftSchema(many=True))
def drift():
    """Plugin procedures whose plugin definition changed since the province took it."""
    _admin()
    return services.drift(tenant_session(), active(), _enabled())


@admin_blp.route("/drift/<code>")
@admin_blp.response(200, DriftDiffSchema)
def drift_diff(code):
    """One plugin procedure beside the plugin's current definition, field by field and line by line."""
    _admin()
    return services.drift_diff(tenant_session(), active(), _enabled(), code)


@admin_blp.route("/export")
@admin_blp.arguments(ExportArgsSchema, location="query")
@admin_blp.response(200, content_type="application/json", description="The catalogue (JSON or CSV).")
def export(args):
    """Download the published catalogue as JSON or CSV (tenant admin)."""
    _admin()
    entries = exchange.export_entries(tenant_session(), _enabled())
    slug = current_tenant().slug
    if args["format"] == "csv":
        body, mime = exchange.to_csv(entries), "text/csv"
    else:
        body, mime = exchange.to_json(entries), "application/json"
    return Response(
        body,
        mimetype=mime,
        headers={"Content-Disposition": f'attachment; filename="catalogue-{slug}.{args["format"]}"'},
    )


@admin_blp.route("/import", methods=["POST"])
@admin_blp.arguments(ExportArgsSchema, location="query")
@admin_blp.response(201, ImportResultSchema)
@admin_blp.doc(
    requestBody={
        "content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}
    }
)
def import_(args):
    """Import the province's own procedures from CSV or JSON; any bad row and nothing is imported."""
    _admin()
    request.max_content_length = MAX_IMPORT_BYTES  # a whole catalogue is larger than an ordinary request
    raw = request.get_data(cache=False)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("The file must be UTF-8 text."), {"file": [_("Not UTF-8.")]}) from None
    records = exchange.parse_csv(text) if args["format"] == "csv" else exchange.parse_json(text)
    session = tenant_session()
    count = exchange.import_records(session, actor(), records)
    _catalogue_changed()
    return {"imported": count}
