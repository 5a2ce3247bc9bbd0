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


class IssuedFormSchema(Schema):
    """A form of a dossier issued sealed with the agency's seal (``forms.signing``)."""

    id = fields.Integer()
    number = fields.String(metadata={"description": "01 to 06."})
    dossier_code = fields.String()
    sha256 = fields.String(metadata={"description": "SHA-256 of the signed PDF, hex."})
    size_bytes = fields.Integer()
    fingerprint = fields.String(metadata={"description": "SHA-256 fingerprint of the seal's certificate."})
    signer_name = fields.String(metadata={"description": "The seal certificate's name, as the stamp prints it."})
    issued_by = fields.String()
    issued_at = fields.DateTime()
    verify_url = fields.String(metadata={"description": "The public verification page of this copy (its QR code)."})
    download = fields.String(metadata={"description": "The signed PDF (officers of the dossier's units)."})
    signature_check = fields.Dict(
        allow_none=True, metadata={"description": "The signatures as verified when stored (docs/signatures.md)."}
    )
