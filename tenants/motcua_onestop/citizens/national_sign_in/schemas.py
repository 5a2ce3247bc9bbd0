"""The province's identity provider settings in the API (the client secret write-only)."""

from marshmallow import fields, validate
from motcua_platform.web.schema import Schema


class IdentityProviderSchema(Schema):
    enabled = fields.Boolean(required=True)
    display_name = fields.String(
        load_default="VNeID",
        validate=validate.Length(min=1, max=80),
        metadata={"description": "What the portal's sign-in button calls the provider."},
    )
    issuer = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=500),
        metadata={"description": "The provider's issuer: its discovery document is read from this address."},
    )
    client_id = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=200))
    client_secret = fields.String(
        load_only=True,
        validate=validate.Length(max=500),
        metadata={"description": "The client secret (write-only; leave it out to keep the one set)."},
    )
    client_secret_set = fields.Boolean(dump_only=True)
    scopes = fields.String(load_default="openid profile national_id", validate=validate.Length(max=300))
    identity_claim = fields.String(
        load_default="national_id",
        validate=validate.Length(max=100),
        metadata={"description": "The ID token claim holding the 12-digit personal identification number."},
    )
    updated_at = fields.DateTime(dump_only=True, allow_none=True)
