"""Processing steps of a dossier: list (with early / on_time / late), claim, assign, complete, hand off.
Registered on the dossiers blueprint (imported at the end of ``dossiers.api``)."""

from marshmallow import fields, validate
from motcua_platform.db.base import utcnow
from motcua_platform.web.context import tenant_session
from motcua_platform.web.principals import actor, current_principal
from motcua_platform.web.schema import Schema

from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.http import IF_MATCH, blp, caller_units, etag_header, expected_version
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.workflow import services as workflow


class StepSchema(Schema):
    index = fields.Integer()
    name = fields.String()
    role = fields.String()
    unit_kind = fields.String()
    unit_id = fields.Integer()
    allotted_hours = fields.Integer()
    claimed_by = fields.Integer(allow_none=True)
    claimed_at = fields.DateTime(allow_none=True)
    started_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    outcome = fields.String(
        allow_none=True,
        metadata={
            "description": "early / on_time / late: final once finished, as of now while open; none for a "
            "step left open when the dossier was finished."
        },
    )
    current = fields.Boolean()


class StepsSchema(Schema):
    code = fields.String()
    status = fields.Integer()
    version = fields.Integer()
    current_step = fields.Integer(
        allow_none=True, metadata={"description": "Index of the step in progress; none once the dossier is finished."}
    )
    due_at = fields.DateTime(allow_none=True, metadata={"description": "The dossier's effective due date."})
    outcome = fields.String(allow_none=True, metadata={"description": "The dossier: early / on_time / late."})
    steps = fields.List(fields.Nested(StepSchema))


class CompleteSchema(Schema):
    comment = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class HandoffSchema(Schema):
    unit_id = fields.Integer(required=True)
    comment = fields.String(validate=validate.Length(max=2000))


class AssignSchema(Schema):
    staff_id = fields.Integer(
        required=True,
        metadata={
            "description": "Who gets the step: an active staff member with its role (or tenant_admin) on its unit "
            "or a unit above it."
        },
    )
    comment = fields.String(validate=validate.Length(max=2000))


def _steps_view(session, dossier: Dossier) -> dict:
    now = utcnow()
    return {
        "code": dossier.code,
        "status": dossier.status,
        "version": dossier.version,
        "current_step": dossier.step_in_progress,  # none once the dossier is finished
        "due_at": dossier.effective_due_at,
        "outcome": workflow.dossier_outcome(dossier, now),
        "steps": [
            {
                **{c.key: getattr(step, c.key) for c in step.__table__.columns},
                "outcome": workflow.step_outcome(step, now, dossier),
                "current": step.index == dossier.step_in_progress,
            }
            for step in workflow.steps_of(session, dossier)
        ],
    }


def _locked(code: str):
    session = tenant_session()
    expected = expected_version()
    return session, expected, services.get_dossier(session, code, caller_units(), lock=True)


@blp.route("/dossiers/<code>/steps")
@blp.response(200, StepsSchema)
def dossier_steps(code):
    """The dossier's processing steps with their units, officers, due dates and early / on_time / late
    (officers of its units or of a unit one of its steps is on)."""
    session = tenant_session()
    dossier = services.get_dossier(session, code, caller_units())
    return _steps_view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/steps/current/claim", methods=["POST"])
@blp.response(200, StepsSchema)
@blp.alt_response(409, description="Stale If-Match, no open step, or claimed by someone else.")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(parameters=[IF_MATCH])
def claim_step(code):
    """Claim the current step (If-Match): an officer with the step's role on its unit (or above)."""
    session, expected, dossier = _locked(code)
    principal = current_principal()
    workflow.claim(session, actor(), principal.roles, principal.id, dossier, expected)
    return _steps_view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/steps/current/complete", methods=["POST"])
@blp.arguments(CompleteSchema)
@blp.response(200, StepsSchema)
@blp.alt_response(409, description="Stale If-Match or no open step.")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(parameters=[IF_MATCH])
def complete_step(body, code):
    """Finish the current step you claimed, with a comment (If-Match); the next step starts on its unit."""
    session, expected, dossier = _locked(code)
    workflow.complete(session, actor(), current_principal().id, dossier, expected, body["comment"])
    return _steps_view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/steps/current/assign", methods=["POST"])
@blp.arguments(AssignSchema)
@blp.response(200, StepsSchema)
@blp.alt_response(409, description="Stale If-Match, no open step, or the step is already with that officer.")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(parameters=[IF_MATCH])
def assign_step(body, code):
    """Give the current step to a colleague who may act on it, as if they had claimed it (If-Match): by an
    officer with the step's role on its unit or above. Someone who may not act on it: 422."""
    session, expected, dossier = _locked(code)
    principal = current_principal()
    workflow.assign(session, actor(), principal.roles, dossier, expected, body["staff_id"], body.get("comment"))
    return _steps_view(session, dossier), 200, etag_header(dossier)


@blp.route("/dossiers/<code>/steps/current/handoff", methods=["POST"])
@blp.arguments(HandoffSchema)
@blp.response(200, StepsSchema)
@blp.alt_response(409, description="Stale If-Match or no open step.")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(parameters=[IF_MATCH])
def handoff_step(body, code):
    """Hand the current step to another open unit of the province (If-Match); it is unclaimed there."""
    session, expected, dossier = _locked(code)
    principal = current_principal()
    workflow.handoff(session, actor(), principal.roles, dossier, expected, body["unit_id"], body.get("comment"))
    return _steps_view(session, dossier), 200, etag_header(dossier)
