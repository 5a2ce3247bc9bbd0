from marshmallow import fields, validate

from motcua_platform.web.schema import Schema


class AuditEventSchema(Schema):
    id = fields.Integer()
    occurred_at = fields.DateTime()
    actor = fields.String()
    action = fields.String()
    target = fields.String(allow_none=True)
    tenant_slug = fields.String(allow_none=True)
    details = fields.Dict()
    remote_addr = fields.String(allow_none=True)


class AuditQueryArgsSchema(Schema):
    tenant = fields.String(validate=validate.Length(max=30))
    action = fields.String(validate=validate.Length(max=100))


class TenantAuditQueryArgsSchema(Schema):
    action = fields.String(validate=validate.Length(max=100))
    actor = fields.String(validate=validate.Length(max=200), metadata={"description": "Text in the actor."})
    target = fields.String(validate=validate.Length(max=200), metadata={"description": "e.g. staff:12, unit:3"})
    since = fields.Date(metadata={"description": "From this day (the province's time zone is not applied: UTC)."})
    until = fields.Date(metadata={"description": "Up to and including this day (UTC)."})


class PlatformAuditQueryArgsSchema(AuditQueryArgsSchema):
    actor = fields.String(
        validate=validate.Length(max=40),
        metadata={"description": "One account's events, as `operator:<id>` (whatever its label was then)."},
    )
