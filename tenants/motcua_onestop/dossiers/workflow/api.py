"""Processing steps of a dossier: list (with early / on_time / late), claim, assign, complete, hand off.
Registered on the dossiers blueprint (imported at the end of ``dossiers.api``)."""

from marshmallow import fields, validate
from motcua_platform.db.base import utcnow
from motcua_platform.storage.services import tenant_objects
from motcua_platform.web.context import current_tenant, runtime, tenant_context, tenant_session
from motcua_platform.web.principals import actor, current_principal
from motcua_platform.web.schema import Schema

from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.documents import services as documents
from motcua_onestop.dossiers.documents import web_checks
from motcua_onestop.dossiers.http import IF_MATCH, blp, caller_units, etag_header, expected_version
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_onestop.dossiers.workflow import signing


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
    signature = fields.String(
        allow_none=True,
        metadata={
            "description": "personal (the officer's own certificate) or seal (the agency's): the result must be "
            "signed so before the step completes; none when the step needs no signature."
        },
    )
    signed = fields.Nested(
        "StepSignatureSchema", allow_none=True, metadata={"description": "The signature put at this step, if any."}
    )


class StepSignatureSchema(Schema):
    kind = fields.String(metadata={"description": "personal or seal"})
    staff_id = fields.Integer(metadata={"description": "Who signed (the staff account that applied it)."})
    signer_name = fields.String(metadata={"description": "The certificate's name (CN), as the stamp shows it."})
    fingerprint = fields.String(metadata={"description": "SHA-256 of the signing certificate (hex)."})
    signed_at = fields.DateTime()
    document_id = fields.Integer(metadata={"description": "The signed revision of the result document."})
    signed_from_id = fields.Integer(metadata={"description": "The revision it supersedes."})


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


def _signature_view(signature) -> dict | None:
    if signature is None:
        return None
    return {c.key: getattr(signature, c.key) for c in signature.__table__.columns}


def _steps_view(session, dossier: Dossier) -> dict:
    now = utcnow()
    signed = {signature.step_id: signature for signature in signing.signatures_of(session, dossier)}
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
                "signed": _signature_view(signed.get(step.id)),
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


@blp.route("/dossiers/<code>/steps/<int:index>/signature", methods=["POST"])
@blp.response(200, StepsSchema)
@blp.alt_response(403, description="Not an officer with the step's role on its unit, or the step is not yours.")
@blp.alt_response(
    409,
    description="Stale If-Match; not the current step; the step needs no signature or is signed already; no result "
    "PDF; no registered certificate (the officer's own, or the agency seal's), or the key set up is not the "
    "registered certificate's.",
)
@blp.alt_response(422, description="The key could not be used (e.g. a wrong passphrase): nothing was signed.")
@blp.alt_response(428, description="If-Match is missing.")
@blp.doc(parameters=[IF_MATCH])
def sign_step(code, index):
    """Sign the dossier's result at the current step ``index`` (0-based) as the step requires (If-Match): a
    personal signature with the officer's own certificate, or the agency's seal; by the officer who claimed
    the step. The signed PDF becomes the result document's new version (the previous one is superseded,
    never overwritten); nothing is stored when signing fails. The step can then be completed."""
    session, expected, dossier = _locked(code)
    principal = current_principal()
    objects = tenant_objects(runtime().config, current_tenant().slug)
    done = signing.sign_step(
        session,
        objects,
        actor(),
        principal.roles,
        principal.id,
        dossier,
        expected,
        index,
        config=runtime().config,
        tenant_slug=current_tenant().slug,
        public_url=tenant_context().public_url,
    )
    # committed here, not at the request's end: should the commit fail, the signed copy's object goes too
    documents.commit_or_discard(session, objects, done.document, True)
    web_checks.recheck_signed_result(done.document.id, done.document.signature_check)
    return _steps_view(session, dossier), 200, etag_header(dossier)
