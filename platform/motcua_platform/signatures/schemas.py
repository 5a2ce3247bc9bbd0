from marshmallow import fields, validate

from motcua_platform.web.schema import Schema

MAX_CERTIFICATE_CHARS = 65_536  # a signing certificate is a few KB; a chain or a bundle is not one


def _certificate_field():
    return fields.String(
        required=True,
        validate=validate.Length(min=1, max=MAX_CERTIFICATE_CHARS),
        metadata={
            "description": "One X.509 certificate: PEM text (-----BEGIN CERTIFICATE-----), or the DER file in "
            "base64. Only the public certificate: never the key. Refused (422, this field) when it is not a "
            "certificate, has expired or is not meant for signing; 409 when it is registered already."
        },
    )


class SealCertificateSchema(Schema):
    certificate_pem = _certificate_field()


class OfficerCertificateSchema(Schema):
    staff_id = fields.Integer(
        required=True, metadata={"description": "The active staff account that signs with this certificate."}
    )
    certificate_pem = _certificate_field()


class SigningCertificateSchema(Schema):
    """A row of the register (``registry.Entry``)."""

    id = fields.Integer(attribute="certificate.id")
    purpose = fields.String(
        attribute="certificate.purpose",
        metadata={"description": "`seal` (the agency's seal) or `officer` (an officer's personal signature)."},
    )
    active = fields.Boolean(metadata={"description": "Not retired: signatures are made with it now."})
    subject = fields.String(attribute="certificate.subject", metadata={"description": "The holder's name (CN)."})
    organization = fields.String(attribute="certificate.organization", allow_none=True)
    issuer = fields.String(attribute="certificate.issuer")
    serial = fields.String(attribute="certificate.serial", metadata={"description": "Hexadecimal."})
    valid_from = fields.DateTime(attribute="certificate.valid_from")
    valid_until = fields.DateTime(attribute="certificate.valid_until")
    fingerprint = fields.String(
        attribute="certificate.fingerprint",
        metadata={"description": "SHA-256 of the DER certificate, hexadecimal: what a verification report names."},
    )
    staff_id = fields.Integer(attribute="certificate.staff_id", allow_none=True)
    staff_email = fields.String(allow_none=True)
    staff_name = fields.String(allow_none=True)
    registered_at = fields.DateTime(attribute="certificate.registered_at")
    registered_by = fields.String(attribute="certificate.registered_by")
    retired_at = fields.DateTime(attribute="certificate.retired_at", allow_none=True)
