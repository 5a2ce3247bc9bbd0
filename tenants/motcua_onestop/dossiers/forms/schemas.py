from marshmallow import fields, validate
from motcua_platform.web.schema import Schema

from motcua_onestop.dossiers.forms.rendering import MAX_TEMPLATE_CHARS


class FormTemplateSchema(Schema):
    number = fields.String(dump_only=True, metadata={"description": "01 to 07."})
    title = fields.String(dump_only=True)
    overridden = fields.Boolean(
        dump_only=True, metadata={"description": "True when the province prints its own template of this form."}
    )
    template = fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_TEMPLATE_CHARS),
        metadata={
            "description": "Jinja2 template text (sandboxed, autoescaped) of the small HTML dialect fpdf2 lays out; "
            'may extend "base.html". Read: the province\'s own, else the shipped one. Written: must parse and '
            "render with sample data, else 422 naming the line."
        },
    )
    updated_by = fields.String(dump_only=True, allow_none=True)
    updated_at = fields.DateTime(dump_only=True, allow_none=True)


class FormTemplateSummarySchema(Schema):
    number = fields.String()
    title = fields.String()
    overridden = fields.Boolean()
    updated_by = fields.String(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
