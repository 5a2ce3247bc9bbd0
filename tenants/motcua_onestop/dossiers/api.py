"""Dossiers on a tenant host: intake (online by a citizen account; counter and postal by an officer), the
officer inbox, transitions with optimistic concurrency (ETag / If-Match), history, and public tracking."""

from flask import request
from flask.views import MethodView
from motcua_platform.plugins.engine import active
from motcua_platform.web.context import current_tenant, runtime, tenant_context, tenant_session
from motcua_platform.web.pagination import paginate, paginate_shaped
from motcua_platform.web.principals import STAFF_OR_CITIZEN_SECURITY, actor
from motcua_platform.web.ratelimit import limit_per_client

from motcua_onestop.citizens import services as citizens
from motcua_onestop.citizens.api import current_citizen
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.documents import checklist
from motcua_onestop.dossiers.extensions import api as _extension_routes  # noqa: F401 - its routes, on blp
from motcua_onestop.dossiers.http import (
    IF_MATCH,
    blp,
    caller_inbox_scope,
    caller_units,
    dossier_fields,
    etag_header,
    expected_version,
)
from motcua_onestop.dossiers.intake import services as intake
from motcua_onestop.dossiers.intake.lookup import ContentVersions
from motcua_onestop.dossiers.models import Channel, Dossier
from motcua_onestop.dossiers.ratings import services as ratings
from motcua_onestop.dossiers.schemas import (
    DossierSchema,
    DossierSummarySchema,
    HistorySchema,
    InboxArgsSchema,
    IntakeSchema,
    OwnerSchema,
    TrackingSchema,
    TransitionSchema,
)
from motcua_onestop.dossiers.workflow import api as _workflow_routes  # noqa: F401 - its routes, on blp

# The officer's inbox reads only what a summary shows, as rows, not dossiers (ADR 0032).
SUMMARY_COLUMNS = [getattr(Dossier, name) for name in DossierSummarySchema().dump_fields]


def _view(session, dossier: Dossier) -> dict:
    return {**dossier_fields(session, dossier), "allowed_transitions": services.allowed_targets(dossier)}


@blp.route("/dossiers")
class Dossiers(MethodView):
    @blp.arguments(IntakeSchema)
    @blp.response(201, DossierSchema)
    @blp.doc(security=STAFF_OR_CITIZEN_SECURITY)
    def post(self, body):
        """Receive a dossier. Online: a citizen account (status 1, awaiting intake; the applicant defaults
        from the account and the dossier is the account's; acknowledged to the account's e-mail and phone;
        at most MOTCUA_ONLINE_SUBMISSIONS_PER_HOUR an hour, then 429). Counter or postal: an officer of the
        receiving unit (status 2, the clock starts). Form errors come all at once, in Vietnamese."""
        session = tenant_session()
        owner, identity_verified = None, False
        if body["channel"] == Channel.ONLINE:
            citizen = current_citizen()  # 401 anonymous, 403 with a staff token
            who, units = citizen.actor(request.remote_addr), set()
            owner = citizens.get_account(session, citizen.id)
        else:
            who, units = actor(), caller_units()
        applicant = body["applicant"]
        applicant_number = applicant.get("citizen_id") or (owner.document_number if owner else None)
        if owner is not None:
            identity_verified = citizens.submits_verified(citizen, owner, applicant_number)
        info = current_tenant()
        dossier = intake.intake(
            session,
            who,
            units,
            active(),
            tenant_context(),
            intake.Intake(
                procedure_code=body["procedure_code"],
                receiving_unit_id=body["receiving_unit_id"],
                channel=body["channel"],
                applicant_name=applicant.get("full_name") or (owner.full_name if owner else ""),
                applicant_citizen_id=applicant_number,
                applicant_contact=applicant.get("contact") or (owner.contact if owner else None) or None,
                citizen_account_id=owner.id if owner else None,
                account_contact=owner.contact if owner else None,
                form=body["form"],
                note=None if owner else body.get("note"),
                identity_verified=identity_verified,
            ),
            content=ContentVersions(info.id, info.catalogue_version, info.units_version),
            submissions_per_hour=runtime().config.online_submissions_per_hour,
        )
        return _view(session, dossier), 201, etag_header(dossier)

    @blp.arguments(InboxArgsSchema, location="query")
    @blp.response(200, DossierSummarySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """The officer's inbox: dossiers received by their units (and units below), soonest due first; by
        default the open ones. X-Pagination counts up to MOTCUA_LIST_COUNT_CAP (total_exact false beyond)
        and gives next_cursor: send it as ?cursor= for the next page, read from the index without OFFSET."""
        session = tenant_session()
        cursor = args.pop("cursor", None)
        filters = services.InboxFilter(**args)
        scope = caller_inbox_scope(session)
        cap = runtime().config.list_count_cap

        def build():
            query = services.inbox_select(session, scope, filters)
            # the summary's columns, not whole dossiers
            return query.with_only_columns(*SUMMARY_COLUMNS), services.inbox_order(query)

        if cursor is None and services.is_timeless(filters):  # the same statement for the same scope and filters
            shape = ("inbox", current_tenant().id, scope, filters)
            return paginate_shaped(session, shape, build, pagination_parameters, count_cap=cap)
        query, keyset = build()
        return paginate(session, query, pagination_parameters, rows=True, count_cap=cap, keyset=keyset, cursor=cursor)


@blp.route("/dossiers/<code>")
@blp.response(200, DossierSchema)
def get_dossier(code):
    """One dossier (officers of its units), with the checklist of the procedure version's required
    documents (which are present), its current documents and the applicant's rating once given. The ETag
    header is its version."""
    from motcua_onestop.dossiers.documents import services as documents

    session = tenant_session()
    dossier = services.get_dossier(session, code, caller_units())
    current = [
        {
            "id": d.id,
            "kind": d.kind,
            "component_index": d.component_index,
            "filename": d.filename,
            "download": f"/api/v1/dossiers/{code}/documents/{d.id}/content",
        }
        for d in documents.current_documents(session, dossier)
    ]
    extra = {
        "checklist": checklist.checklist(session, dossier),
        "documents": current,
        "rating": ratings.rating_of(session, dossier),
    }
    return {**_view(session, dossier), **extra}, 200, etag_header(dossier)


@blp.route("/dossiers/<code>/transitions", methods=["POST"])
@blp.arguments(TransitionSchema)
@blp.response(200, DossierSchema)
@blp.alt_response(409, description="Stale If-Match, or a transition the state machine forbids.")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(parameters=[IF_MATCH])
def transition(body, code):
    """Change the dossier's status (If-Match required). A forbidden transition is a 409 that lists the
    allowed ones; a stale version is a 409 too, and so is receiving a full-online dossier whose required
    documents are not all uploaded (errors.documents names them)."""
    session = tenant_session()
    units = caller_units()
    expected = expected_version()
    dossier = services.get_dossier(session, code, units, lock=True)
    services.transition(
        session,
        actor(),
        dossier,
        body["to_status"],
        expected,
        body.get("comment"),
        tenant=tenant_context(),
    )
    return _view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/owner", methods=["PUT"])
@blp.arguments(OwnerSchema)
@blp.response(200, DossierSchema)
@blp.alt_response(409, description="Stale If-Match, or the dossier already belongs to an account.")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(parameters=[IF_MATCH])
def link_owner(body, code):
    """Link a counter or postal dossier to the applicant's citizen account (officers of its units;
    If-Match required), so the citizen sees it under /api/v1/my/dossiers. The account's CCCD (or tax
    code) must be the applicant's on the dossier."""
    session = tenant_session()
    units = caller_units()
    expected = expected_version()
    dossier = services.get_dossier(session, code, units, lock=True)
    account = citizens.find_by_login(session, body["login"])
    services.link_owner(session, actor(), dossier, account, expected)
    return _view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/history")
@blp.response(200, HistorySchema(many=True))
def dossier_history(code):
    """Every action on the dossier, oldest first (officers of its units)."""
    session = tenant_session()
    return services.history(session, services.get_dossier(session, code, caller_units()))


@blp.route("/track/<code>")
@blp.response(200, TrackingSchema)
@blp.doc(security=[])
def track(code):
    """Public tracking by dossier code: status, dates and current step; no personal data.
    Limited per client address (MOTCUA_TRACKING_PER_MINUTE a minute) so codes cannot be enumerated."""
    limit_per_client("track", runtime().config.tracking_per_minute)
    return services.tracking(tenant_session(), code)
