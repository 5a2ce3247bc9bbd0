"""A citizen's own dossiers on a tenant host: the list, one dossier with the history meant for them, a
withdrawal request, the report that a requested supplement is uploaded, the rating of the processing once
the result is ready, and the forms addressed to the applicant. Ownership is decided by
``services.get_own_dossier`` only: someone else's dossier is a 404, like a code that does not exist."""

from flask import request
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import tenant_context, tenant_session
from motcua_platform.web.pagination import paginate
from motcua_platform.web.principals import CITIZEN_SECURITY

from motcua_onestop.citizens.api import current_citizen
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.http import IF_MATCH, dossier_fields, etag_header, expected_version
from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.ratings import services as ratings
from motcua_onestop.dossiers.schemas import (
    DossierSummarySchema,
    OwnDossiersArgsSchema,
    OwnDossierSchema,
    RatingSchema,
    SupplementDoneSchema,
    WithdrawalSchema,
)

blp = Blueprint(
    "my_dossiers",
    __name__,
    url_prefix="/api/v1/my",
    realm="tenant",
    description=(
        "A citizen's own dossiers (citizen token): list, detail with history, withdrawal, supplement done, rating."
    ),
)


def _own_view(session, dossier: Dossier) -> dict:
    rating = ratings.rating_of(session, dossier)
    return {
        **dossier_fields(session, dossier),  # OwnDossierSchema shows what its owner may see of them
        "can_withdraw": int(Status.WITHDRAWN) in services.allowed_targets(dossier),
        "can_report_supplement": dossier.status == Status.SUPPLEMENT,
        "history": services.citizen_history(session, dossier),
        "can_rate": rating is None and ratings.rateable(dossier),
        "rating": rating,
    }


@blp.route("/dossiers")
@blp.arguments(OwnDossiersArgsSchema, location="query")
@blp.response(200, DossierSummarySchema(many=True))
@blp.paginate()
@blp.doc(security=CITIZEN_SECURITY)
def own_dossiers(args, pagination_parameters):
    """The caller's own dossiers, newest first; ``status`` filters."""
    citizen = current_citizen()
    session = tenant_session()
    return paginate(session, services.own_dossiers_query(citizen.id, args.get("status")), pagination_parameters)


@blp.route("/dossiers/<code>")
@blp.response(200, OwnDossierSchema)
@blp.doc(security=CITIZEN_SECURITY)
def own_dossier(code):
    """One of the caller's dossiers with its history (status changes and the reasons addressed to the
    applicant; officers' internal notes and names are left out). The ETag header is its version."""
    citizen = current_citizen()
    session = tenant_session()
    dossier = services.get_own_dossier(session, code, citizen.id)
    return _own_view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/withdrawal", methods=["POST"])
@blp.arguments(WithdrawalSchema)
@blp.response(200, OwnDossierSchema)
@blp.alt_response(409, description="Stale If-Match, or the dossier can no longer be withdrawn.")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(security=CITIZEN_SECURITY, parameters=[IF_MATCH])
def withdraw(body, code):
    """Ask to withdraw one's own dossier (status 7, through the state machine; If-Match required). An
    officer then stops it (status 8)."""
    citizen = current_citizen()
    session = tenant_session()
    expected = expected_version()
    dossier = services.get_own_dossier(session, code, citizen.id, lock=True)
    services.transition(
        session,
        citizen.actor(request.remote_addr),
        dossier,
        Status.WITHDRAWN,
        expected,
        body.get("reason"),
        tenant=tenant_context(),
    )
    return _own_view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/supplement-done", methods=["POST"])
@blp.arguments(SupplementDoneSchema)
@blp.response(200, OwnDossierSchema)
@blp.alt_response(409, description="Stale If-Match, or the dossier was not asked for a supplement (status 5).")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(security=CITIZEN_SECURITY, parameters=[IF_MATCH])
def supplement_done(body, code):
    """Say that the documents asked for are uploaded (own dossier in status 5; If-Match required). The
    dossier goes back to the officer as their resume would move it: to status 1 when the supplement was
    asked before intake, to 4 after it, with the paused time added to the due date."""
    citizen = current_citizen()
    session = tenant_session()
    expected = expected_version()
    dossier = services.get_own_dossier(session, code, citizen.id, lock=True)
    services.supplement_done(
        session,
        citizen.actor(request.remote_addr),
        dossier,
        expected,
        body.get("comment"),
        tenant=tenant_context(),
    )
    return _own_view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/rating", methods=["POST"])
@blp.arguments(RatingSchema)
@blp.response(201, RatingSchema)
@blp.alt_response(409, description="The result is not ready yet, or the dossier is already rated.")
@blp.doc(security=CITIZEN_SECURITY)
def rate(body, code):
    """Rate how satisfied one is with the processing of one's own dossier, once its result is ready (status 9
    or 10): the four-level scale and an optional comment. Once per dossier, here or through the result
    message's link."""
    citizen = current_citizen()
    session = tenant_session()
    dossier = services.get_own_dossier(session, code, citizen.id)
    actor = citizen.actor(request.remote_addr)
    level, comment = body["level"], body.get("comment")
    return ratings.rate(session, actor, dossier, level, comment, via="portal", citizen_account_id=citizen.id)
