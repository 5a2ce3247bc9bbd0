from marshmallow import fields, validate

from motcua_platform.auth.models import OperatorRole, StaffRoleName
from motcua_platform.web.schema import Schema


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    token = fields.String(required=True)
    token_type = fields.String(dump_default="Bearer")
    expires_at = fields.DateTime(required=True)
    scope = fields.String(required=True, metadata={"description": "'platform' or the tenant slug"})


class RoleSchema(Schema):
    role = fields.String(required=True)
    unit_id = fields.Integer(allow_none=True)


class MeSchema(Schema):
    kind = fields.String(metadata={"description": "operator or staff"})
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    scope = fields.String()
    roles = fields.List(fields.Nested(RoleSchema))
    tenant = fields.Dict(allow_none=True)


class OperatorSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in OperatorRole]))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class StaffRoleInputSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in StaffRoleName]))
    unit_id = fields.Integer(required=True)


class StaffSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    roles = fields.List(fields.Nested(StaffRoleInputSchema), required=True, validate=validate.Length(min=1))
    active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class StaffActiveSchema(Schema):
    active = fields.Boolean(required=True)
