from marshmallow import ValidationError, fields, validate, validates_schema

from motcua_platform.auth.models import OperatorRole, StaffRoleName
from motcua_platform.i18n import _
from motcua_platform.web.schema import Schema


class LoginSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(min=3, max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    token = fields.String(required=True)
    token_type = fields.String(dump_default="Bearer")
    expires_at = fields.DateTime(required=True)
    scope = fields.String(required=True, metadata={"description": "'platform' or the tenant slug"})
    must_change_password = fields.Boolean(
        dump_default=False,
        metadata={
            "description": "The password is a temporary one somebody else chose (a reset, or given at creation): "
            "change it with POST /api/v1/staff/me/password. The consoles allow nothing else until then."
        },
    )


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
    must_change_password = fields.Boolean(metadata={"description": "As in the login answer."})


class OperatorSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in OperatorRole]))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class OperatorUpdateSchema(Schema):
    active = fields.Boolean(required=True, metadata={"description": "False deactivates the account."})


class StaffRoleInputSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in StaffRoleName]))
    unit_id = fields.Integer(required=True)


class StaffSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.Email(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    roles = fields.List(fields.Nested(StaffRoleInputSchema), required=True, validate=validate.Length(min=1))
    must_change_password = fields.Boolean(
        load_default=False,
        metadata={"description": "The password is a temporary one to hand over: its owner must change it first."},
    )
    active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class StaffUpdateSchema(Schema):
    """What a tenant admin may change on a staff account; fields left out stay as they are."""

    full_name = fields.String(validate=validate.Length(min=1, max=200))
    roles = fields.List(
        fields.Nested(StaffRoleInputSchema),
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Replaces every role of the account; each unit must lie in your units."},
    )
    active = fields.Boolean()

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError(_("Give at least one of full_name, roles and active."))


class StaffPasswordResetSchema(Schema):
    staff_id = fields.Integer()
    temporary_password = fields.String(
        metadata={"description": "Shown this once: give it to the staff member; only its hash is kept."}
    )
    tokens_revoked = fields.Integer(metadata={"description": "The account's sessions that were ended."})
    locks_cleared = fields.Integer(metadata={"description": "Addresses whose failed-login counts were dropped."})


class StaffUnlockSchema(Schema):
    staff_id = fields.Integer()
    locks_cleared = fields.Integer(metadata={"description": "Addresses whose failed-login counts were dropped."})


class StaffPasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class StaffQueryArgsSchema(Schema):
    unit_id = fields.Integer(metadata={"description": "Only staff with a role on this unit."})
    role = fields.String(validate=validate.OneOf([r.value for r in StaffRoleName]))
    active = fields.Boolean()
