"""Extensions with an apology (form 04) and officers' comments on a dossier. Registered on the dossiers
blueprint (imported at the end of ``dossiers.api``)."""

from marshmallow import fields, validate
from motcua_platform.timezones import VIETNAM
from motcua_platform.web.context import current_tenant, tenant_session
from motcua_platform.web.principals import actor, current_principal
from motcua_platform.web.schema import Schema

from motcua_onestop.dossiers import comments, services
from motcua_onestop.dossiers.extensions import services as extensions
from motcua_onestop.dossiers.http import IF_MATCH, blp, caller_units, etag_header, expected_version
from motcua_onestop.dossiers.schemas import HistorySchema


class ExtensionRequestSchema(Schema):
    new_due_at = fields.AwareDateTime(
        default_timezone=VIETNAM, metadata={"description": "The new due moment; or give working_days / working_hours."}
    )
    working_days = fields.Integer(
        validate=validate.Range(min=1, max=365),
        metadata={"description": "Closing time of the N-th working day after the current due date."},
    )
    working_hours = fields.Integer(
        validate=validate.Range(min=1, max=2000),
        metadata={"description": "N office hours after the current due date."},
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=extensions.MAX_REASON))
    apology = fields.String(required=True, validate=validate.Length(min=1, max=extensions.MAX_APOLOGY))


class ExtensionSchema(Schema):
    id = fields.Integer()
    dossier_code = fields.String()
    requested_by = fields.Integer(allow_none=True, metadata={"description": "Staff id of the officer."})
    actor = fields.String()
    reason = fields.String()
    apology = fields.String()
    previous_due_at = fields.DateTime(metadata={"description": "The effective due date it replaced."})
    new_due_at = fields.DateTime(metadata={"description": "The new effective due date (extended_due_at)."})
    original_due_at = fields.DateTime(metadata={"description": "The dossier's original due date (never changes)."})
    step_index = fields.Integer(allow_none=True, metadata={"description": "The step open when it was extended."})
    at = fields.DateTime()


class CommentSchema(Schema):
    comment = fields.String(required=True, validate=validate.Length(min=1, max=comments.MAX_COMMENT))


def _view(dossier, extension) -> dict:
    return {
        **{c.key: getattr(extension, c.key) for c in extension.__table__.columns},
        "dossier_code": dossier.code,
        "original_due_at": dossier.due_at,
    }


@blp.route("/dossiers/<code>/extensions", methods=["POST"])
@blp.arguments(ExtensionRequestSchema)
@blp.response(201, ExtensionSchema)
@blp.alt_response(
    409, description="Stale If-Match, the dossier is not being processed (status 2, 4, 6), or its due date has passed."
)
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(parameters=[IF_MATCH])
def extend(body, code):
    """Extend the dossier's due date with a reason and an apology (If-Match; officers of its units), before
    that date passes (409 afterwards: the dossier stays late). The original due date stays;
    ``extended_due_at`` becomes the new date; the applicant is told and form 04 prints it. The ETag header
    is the dossier's new version."""
    session = tenant_session()
    expected = expected_version()
    dossier = services.get_dossier(session, code, caller_units(), lock=True)
    extension = extensions.extend(
        session,
        actor(),
        current_principal().id,
        dossier,
        expected,
        extensions.ExtensionRequest(
            reason=body["reason"],
            apology=body["apology"],
            new_due_at=body.get("new_due_at"),
            working_days=body.get("working_days"),
            working_hours=body.get("working_hours"),
        ),
        tenant_slug=current_tenant().slug,
    )
    return _view(dossier, extension), 201, etag_header(dossier)


@blp.route("/dossiers/<code>/extensions")
@blp.response(200, ExtensionSchema(many=True))
def list_extensions(code):
    """The dossier's extensions, oldest first (officers of its units)."""
    session = tenant_session()
    dossier = services.get_dossier(session, code, caller_units())
    return [_view(dossier, e) for e in extensions.extensions_of(session, dossier)], 200, etag_header(dossier)


@blp.route("/dossiers/<code>/comments", methods=["POST"])
@blp.arguments(CommentSchema)
@blp.response(201, HistorySchema)
def comment(body, code):
    """Add a comment to the dossier's history (officers of its units). No status change, no If-Match:
    the dossier's version (ETag) stays as it was."""
    session = tenant_session()
    dossier = services.get_dossier(session, code, caller_units())
    entry = comments.add_comment(session, actor(), dossier, body["comment"])
    return entry, 201, etag_header(dossier)
