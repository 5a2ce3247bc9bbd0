from marshmallow import fields, validate
from motcua_platform.timezones import VIETNAM
from motcua_platform.web.schema import Schema

from motcua_onestop.dossiers.documents.schemas import ChecklistItemSchema
from motcua_onestop.dossiers.models import Channel


class ApplicantSchema(Schema):
    """Online, each field defaults from the citizen's account (name, CCCD or tax code, e-mail and phone);
    at the counter or by post the officer gives at least the full name."""

    full_name = fields.String(validate=validate.Length(min=1, max=200))
    citizen_id = fields.String(validate=validate.Length(max=20), metadata={"description": "CCCD or tax code."})
    contact = fields.String(validate=validate.Length(max=200), metadata={"description": "Phone or e-mail."})


class IntakeSchema(Schema):
    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    receiving_unit_id = fields.Integer(required=True)
    channel = fields.String(
        required=True,
        validate=validate.OneOf([c.value for c in Channel]),
        metadata={
            "description": "online (a citizen account's token), counter or postal (an officer of the receiving unit)."
        },
    )
    applicant = fields.Nested(ApplicantSchema, load_default=dict)
    form = fields.Dict(required=True, metadata={"description": "The procedure's application form (see its /form)."})
    note = fields.String(
        validate=validate.Length(max=2000),
        metadata={
            "description": "Counter and postal only (ignored online): the officer's intake note, kept as the comment "
            "of the intake's history entry, e.g. the postal item's number and the day it arrived, or the papers "
            "received to be digitised."
        },
    )


class DossierFeeSchema(Schema):
    name = fields.String()
    amount = fields.Integer()
    note = fields.String(allow_none=True)


class DossierDocumentLinkSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    component_index = fields.Integer(allow_none=True)
    filename = fields.String()
    download = fields.String()


class RatingSchema(Schema):
    """How satisfied the applicant is with the processing of the dossier (once, after the result)."""

    level = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=4),
        metadata={
            "description": "The four-level scale: 4 very satisfied, 3 satisfied, 2 dissatisfied, 1 very dissatisfied."
        },
    )
    comment = fields.String(  # its length is the service's rule, counted after trimming as the pages count it
        allow_none=True,
        metadata={"description": "What went well or not (optional; at most 2,000 characters)."},
    )
    via = fields.String(dump_only=True, metadata={"description": "portal (signed in) or link (the result message's)."})
    rated_at = fields.AwareDateTime(dump_only=True)


class DossierSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    procedure_code = fields.String()
    procedure_version = fields.Integer()
    procedure_name = fields.String()
    receiving_unit_id = fields.Integer()
    channel = fields.String()
    applicant_name = fields.String()
    applicant_citizen_id = fields.String(allow_none=True)
    applicant_contact = fields.String(allow_none=True)
    citizen_account_id = fields.Integer(allow_none=True, metadata={"description": "The owning citizen account."})
    form_data = fields.Dict()
    fees = fields.List(fields.Nested(DossierFeeSchema))
    total_fee = fields.Integer()
    payment_method = fields.String(
        allow_none=True,
        metadata={
            "enum": ["online", "cash", "transfer", None],
            "description": "How the fees were paid; null while unpaid or free.",
        },
    )
    status = fields.Integer()
    status_name = fields.String()
    allowed_transitions = fields.List(fields.Integer())
    submitted_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True, metadata={"description": "The original due date; never changes."})
    extended_due_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "The effective due date after supplement pauses and extensions (form 04)."},
    )
    finished_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    current_step = fields.String(allow_none=True)
    version = fields.Integer(metadata={"description": "Also the ETag; send it back in If-Match."})
    checklist = fields.List(
        fields.Nested(ChecklistItemSchema),
        metadata={"description": "GET of one dossier only: the required documents and which are present."},
    )
    documents = fields.List(
        fields.Nested(DossierDocumentLinkSchema),
        metadata={"description": "GET of one dossier only: its current documents (see …/documents for all)."},
    )
    rating = fields.Nested(
        RatingSchema,
        allow_none=True,
        metadata={"description": "GET of one dossier only: the applicant's satisfaction rating, once given."},
    )


class DossierSummarySchema(Schema):
    code = fields.String()
    receiving_unit_id = fields.Integer()
    channel = fields.String()
    applicant_name = fields.String()
    status = fields.Integer()
    submitted_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True)
    extended_due_at = fields.DateTime(allow_none=True)
    version = fields.Integer()


class InboxArgsSchema(Schema):
    state = fields.String(
        validate=validate.OneOf(["open", "closed", "all"]),
        metadata={
            "description": "open (the default without status): dossiers that still need an officer, every status "
            "but 3, 8 and 10; closed: those three; all: both."
        },
    )
    status = fields.Integer(
        validate=validate.Range(min=1, max=10), metadata={"description": "One status (any state unless state is sent)."}
    )
    overdue = fields.Boolean(metadata={"description": "Open dossiers past their (extended) due date."})
    due_before = fields.AwareDateTime(default_timezone=VIETNAM)
    step_unit = fields.Boolean(metadata={"description": "Dossiers whose current step is on one of my units."})
    due_soon = fields.Integer(
        validate=validate.Range(min=1, max=2000),
        metadata={"description": "Open dossiers due within this many working hours (not yet overdue)."},
    )
    cursor = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "next_cursor from the previous page's X-Pagination: the page after it (no page)."},
    )


class TransitionSchema(Schema):
    to_status = fields.Integer(required=True, validate=validate.Range(min=1, max=10))
    comment = fields.String(validate=validate.Length(max=2000))


class HistorySchema(Schema):
    actor = fields.String()
    action = fields.String()
    from_status = fields.Integer(allow_none=True)
    to_status = fields.Integer(allow_none=True)
    comment = fields.String(allow_none=True)
    at = fields.DateTime()


class TrackingSchema(Schema):
    code = fields.String()
    procedure_code = fields.String()
    procedure_name = fields.String()
    status = fields.Integer()
    status_name = fields.String()
    submitted_at = fields.DateTime()
    received_at = fields.DateTime(allow_none=True)
    due_at = fields.DateTime(allow_none=True, metadata={"description": "The original due date; never changes."})
    extended_due_at = fields.DateTime(
        allow_none=True, metadata={"description": "The effective due date after supplement pauses and extensions."}
    )
    finished_at = fields.DateTime(allow_none=True)
    returned_at = fields.DateTime(allow_none=True)
    current_step = fields.String(
        allow_none=True,
        metadata={"description": "The step in progress; none before processing and once the dossier is finished."},
    )
    outcome = fields.String(
        allow_none=True,
        metadata={"description": "early / on_time / late against the effective due date (as of now while open)."},
    )


class OwnDossiersArgsSchema(Schema):
    status = fields.Integer(validate=validate.Range(min=1, max=10))


class WithdrawalSchema(Schema):
    reason = fields.String(validate=validate.Length(max=2000), metadata={"description": "Why (optional)."})


class SupplementDoneSchema(Schema):
    comment = fields.String(
        validate=validate.Length(max=2000),
        metadata={"description": "A note for the officer, e.g. which documents were uploaded (optional)."},
    )


class CitizenHistorySchema(Schema):
    action = fields.String()
    from_status = fields.Integer(allow_none=True)
    to_status = fields.Integer()
    status_name = fields.String()
    by = fields.String(metadata={"description": "citizen, officer or system (no names)."})
    comment = fields.String(allow_none=True, metadata={"description": "Only reasons addressed to the applicant."})
    at = fields.DateTime()


class OwnDossierSchema(DossierSchema):
    """A dossier as its owner sees it: the officer's view without the internal fields (row ids, the account
    link, the procedure version, the officer's next steps, the checklist and document links), with what the
    owner may do and the history meant for them (no officer names, no internal notes)."""

    class Meta:
        exclude = (
            "id",
            "procedure_version",
            "citizen_account_id",
            "allowed_transitions",
            "checklist",
            "documents",
        )

    can_withdraw = fields.Boolean()
    can_report_supplement = fields.Boolean(
        metadata={"description": "Asked for a supplement (status 5): POST …/supplement-done once it is uploaded."}
    )
    history = fields.List(fields.Nested(CitizenHistorySchema))
    can_rate = fields.Boolean(
        metadata={"description": "The result is ready and the dossier is not rated yet: POST …/rating."}
    )
    rating = fields.Nested(RatingSchema, allow_none=True)


class OwnerSchema(Schema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=3, max=254),
        metadata={"description": "The citizen account's e-mail or mobile number."},
    )
