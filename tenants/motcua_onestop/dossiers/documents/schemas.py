from flask_smorest.fields import Upload
from marshmallow import fields, validate
from motcua_platform.web.schema import Schema

from motcua_onestop.dossiers.documents.models import DocumentKind


class DocumentUploadSchema(Schema):
    """One multipart body: the file and the fields describing it."""

    file = Upload(
        required=True,
        metadata={"description": "PDF, JPEG or PNG (by content), at most MOTCUA_UPLOAD_MAX_BYTES bytes."},
    )
    kind = fields.String(
        load_default=DocumentKind.COMPONENT.value,
        validate=validate.OneOf([k.value for k in DocumentKind]),
        metadata={"description": "component (default): answers a required document; result: the outcome."},
    )
    component = fields.String(
        validate=validate.Length(max=500),
        metadata={"description": "For a component: the index (0, 1, …) or the name of the required document."},
    )
    digitised = fields.Boolean(
        load_default=False, metadata={"description": "True when an officer scanned a paper document at the counter."}
    )


class VerifiedSignatureSchema(Schema):
    """One signature of an uploaded PDF, as verified (ADR 0063)."""

    field = fields.String(allow_none=True, metadata={"description": "The PDF's signature field."})
    signer = fields.String(allow_none=True, metadata={"description": "The certificate's common name."})
    organization = fields.String(allow_none=True, metadata={"description": "The certificate's organisation (O)."})
    issuer = fields.String(allow_none=True, metadata={"description": "The issuing certification authority."})
    fingerprint = fields.String(allow_none=True, metadata={"description": "SHA-256 of the signer's certificate."})
    signed_at = fields.String(allow_none=True, metadata={"description": "ISO 8601; a timestamp's time if trusted."})
    timestamped = fields.Boolean()
    good = fields.Boolean(metadata={"description": "No problem: the bottom line."})
    intact = fields.Boolean(metadata={"description": "The signed bytes are unchanged."})
    valid = fields.Boolean()
    trusted = fields.Boolean(metadata={"description": "The chain reaches the deployment's trust list."})
    revoked = fields.Boolean()
    revocation_checked = fields.Boolean()
    expired = fields.Boolean(metadata={"description": "Expired when signed, or since (without a timestamp)."})
    covers_whole_document = fields.Boolean()
    problems = fields.List(fields.String(), metadata={"description": "Codes: broken, untrusted, revoked, …"})
    notes = fields.List(fields.String(), metadata={"description": "Codes: revocation_not_checked, no_timestamp, …"})
    reasons = fields.List(fields.String(), metadata={"description": "The problems and notes as sentences."})


class SignatureCheckSchema(Schema):
    state = fields.String(
        metadata={"description": "checked, or checking (revocation is being fetched by a job; the result changes)."}
    )
    checked_at = fields.String(metadata={"description": "ISO 8601."})
    signatures = fields.List(
        fields.Nested(VerifiedSignatureSchema), metadata={"description": "Empty: the PDF carries no signature."}
    )


class DossierDocumentSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    component_index = fields.Integer(allow_none=True)
    component_name = fields.String(allow_none=True)
    filename = fields.String(metadata={"description": "Sanitised client file name, for display."})
    content_type = fields.String(metadata={"description": "From the file's content (magic number)."})
    size_bytes = fields.Integer()
    sha256 = fields.String()
    digitised = fields.Boolean()
    uploaded_by = fields.String()
    uploaded_at = fields.DateTime()
    superseded_at = fields.DateTime(allow_none=True)
    superseded_by_id = fields.Integer(allow_none=True)
    reused_from_id = fields.Integer(
        allow_none=True, metadata={"description": "Given once: the earlier document of the same citizen it copies."}
    )
    download = fields.String(metadata={"description": "Path of the content on this host."})
    verify_token = fields.String(
        allow_none=True,
        metadata={"description": "A result's public verification link is /verify/<verify_token> on the portal."},
    )
    signature_check = fields.Nested(
        SignatureCheckSchema,
        allow_none=True,
        metadata={"description": "A PDF's signatures as verified at upload (ADR 0063); null for an image."},
    )


class KeptDocumentSchema(Schema):
    """A document the citizen keeps to give again: one they handed in, or a result they received."""

    id = fields.Integer()
    name = fields.String(metadata={"description": "What it is: the required document's name, or the result's."})
    kind = fields.String(metadata={"description": "component or result."})
    filename = fields.String()
    size_bytes = fields.Integer()
    document_id = fields.Integer(metadata={"description": "The dossier's document it points at."})
    dossier_code = fields.String()
    uploaded_at = fields.DateTime()
    in_use = fields.Boolean(metadata={"description": "A dossier not finished uses it: it cannot be removed yet."})


class ReuseSchema(Schema):
    component = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "The required document it answers: the index (0, 1, …) or its name."},
    )
    kept_id = fields.Integer(
        required=True, strict=True, metadata={"description": "One of your kept documents of the same kind."}
    )


class ChecklistItemSchema(Schema):
    index = fields.Integer()
    name = fields.String()
    required = fields.Boolean()
    original = fields.Boolean(metadata={"description": "Bản chính (True) or bản sao (False)."})
    count = fields.Integer()
    present = fields.Boolean()
    document_id = fields.Integer(allow_none=True)
