from marshmallow import fields, validate
from motcua_platform.web.schema import Schema


class FaqEntrySchema(Schema):
    """A question and its answer (Vietnamese; English where the province gave it)."""

    id = fields.Integer(dump_only=True)
    unit_id = fields.Integer(
        strict=True, metadata={"description": "The unit that answers; one of the units the caller manages."}
    )
    field = fields.String(allow_none=True, metadata={"description": "The field it is about (lĩnh vực), if any."})
    procedure_code = fields.String(allow_none=True, metadata={"description": "The procedure it is about, if any."})
    topic = fields.String(dump_only=True, metadata={"description": "What it answers, when made from the catalogue."})
    edited = fields.Boolean(dump_only=True, metadata={"description": "Written or changed by the province."})
    # lengths are the service's rule, counted after trimming as the pages count them
    question = fields.String(metadata={"description": "At most 500 characters."})
    answer = fields.String(metadata={"description": "At most 5,000 characters."})
    question_en = fields.String(allow_none=True, metadata={"description": "In English, with answer_en, or neither."})
    answer_en = fields.String(allow_none=True)
    published = fields.Boolean(metadata={"description": "Shown on the portal (default true)."})
    updated_at = fields.DateTime(dump_only=True)


class FaqArgsSchema(Schema):
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "Words, accents optional: 'le phi ket hon' finds 'Lệ phí đăng ký kết hôn'."},
    )
    field = fields.String(validate=validate.Length(max=200))
    procedure = fields.String(validate=validate.Length(max=40), metadata={"description": "A procedure's code."})
    unit = fields.Integer(metadata={"description": "The unit that answers."})
    drafts = fields.Boolean(
        metadata={"description": "Unpublished ones too (a tenant admin; only their units' entries then)."}
    )


class FaqGenerateResultSchema(Schema):
    added = fields.Integer(metadata={"description": "How many entries were missing and are added."})
    rewritten = fields.Integer(metadata={"description": "How many the catalogue now says differently, rewritten."})
    removed = fields.Integer(metadata={"description": "How many it no longer gives (nobody had edited them)."})
