"""The national sync's operator API: the remote end's settings (the secret write-only), each province's
backlog, the failing rows."""

from marshmallow import fields, validate
from motcua_platform.web.schema import Schema


class NationalSyncSettingsSchema(Schema):
    enabled = fields.Boolean(required=True)
    endpoint_url = fields.String(
        allow_none=True, validate=validate.Length(max=500), metadata={"description": "Where records are POSTed."}
    )
    secret = fields.String(
        load_only=True,
        validate=validate.Length(max=200),
        metadata={"description": "The shared HMAC secret (write-only; leave it out to keep the one set)."},
    )
    secret_set = fields.Boolean(dump_only=True)
    timeout_seconds = fields.Integer(load_default=10, validate=validate.Range(min=1, max=30))
    updated_at = fields.DateTime(dump_only=True, allow_none=True)


class NationalSyncBacklogSchema(Schema):
    tenant = fields.String()
    name = fields.String()
    enabled = fields.Boolean()
    endpoint_url = fields.String(allow_none=True)
    pending = fields.Integer(metadata={"description": "Changes not delivered yet (held ones included)."})
    failing = fields.Integer(metadata={"description": "Of those, tried and failed at least once, or held."})
    held = fields.Integer(metadata={"description": "Refused by the receiver: wait for an operator's retry."})
    delivered = fields.Integer()
    oldest_pending_at = fields.DateTime(allow_none=True)


class NationalSyncFailureSchema(Schema):
    id = fields.Integer()
    dossier_code = fields.String()
    sequence = fields.Integer()
    status = fields.String(metadata={"enum": ["pending", "held"]})
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(allow_none=True, metadata={"description": "None while held."})
    last_error = fields.String(allow_none=True)
    created_at = fields.DateTime()


class NationalSyncRetrySchema(Schema):
    id = fields.Integer()
    status = fields.String()
    next_attempt_at = fields.DateTime()
