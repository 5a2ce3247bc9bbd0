from marshmallow import fields, validate
from motcua_platform.web.schema import Schema


class UsageBatchSchema(Schema):
    events = fields.List(
        fields.Raw(),
        required=True,
        validate=validate.Length(min=1, max=5000),
        metadata={
            "description": (
                "Each event: {tenant, metric, event_id, quantity (default 1), occurred_at (ISO 8601 with offset), "
                "properties?}. Items are checked one by one: a bad item is rejected with its reasons, the others "
                "are stored; a repeated (tenant, metric, event_id) is reported as a duplicate and changes nothing."
            ),
            "example": [
                {
                    "tenant": "daklak",
                    "metric": "sms_sent",
                    "event_id": "sms-gateway:batch-7781",
                    "quantity": 120,
                    "occurred_at": "2026-10-05T09:30:00+07:00",
                }
            ],
        },
    )


class ItemResultSchema(Schema):
    index = fields.Integer()
    event_id = fields.Raw(allow_none=True)
    status = fields.String(metadata={"enum": ["accepted", "duplicate", "rejected"]})
    errors = fields.Dict()


class UsageBatchResultSchema(Schema):
    accepted = fields.Integer()
    duplicates = fields.Integer()
    rejected = fields.Integer()
    results = fields.List(fields.Nested(ItemResultSchema))


class UsageEventSchema(Schema):
    id = fields.Integer()
    metric_code = fields.String()
    event_id = fields.String()
    quantity = fields.Decimal(as_string=True)
    occurred_at = fields.DateTime()
    received_at = fields.DateTime()
    source = fields.String()
    invoice_line_id = fields.Integer(allow_none=True)


class DrainResultSchema(Schema):
    tenant = fields.String()
    accepted = fields.Integer()
    duplicates = fields.Integer()
    rejected = fields.Integer()
