from marshmallow import fields, validate
from motcua_platform.web.schema import Schema

from motcua_onestop.units.models import UnitKind

KINDS = validate.OneOf([k.value for k in UnitKind])


class UnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    parent_id = fields.Integer(allow_none=True, metadata={"description": "Null only for the province root."})
    kind = fields.String(required=True, validate=KINDS)
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Electronic identifier (mã định danh); prefixes dossier codes."},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class UnitUpdateSchema(Schema):
    parent_id = fields.Integer()
    kind = fields.String(validate=KINDS)
    code = fields.String(validate=validate.Length(min=1, max=40))
    name = fields.String(validate=validate.Length(min=1, max=300))
    valid_from = fields.Date()
    valid_to = fields.Date(allow_none=True)


class UnitTreeSchema(UnitSchema):
    children = fields.List(fields.Nested(lambda: UnitTreeSchema()))


class UnitQueryArgsSchema(Schema):
    kind = fields.String(validate=KINDS)
    parent_id = fields.Integer()
    active_on = fields.Date(metadata={"description": "Only units valid on this date."})
    q = fields.String(validate=validate.Length(min=1, max=100), metadata={"description": "Text in name or code."})
