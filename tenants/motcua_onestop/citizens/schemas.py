from marshmallow import fields, validate
from motcua_platform.web.schema import Schema

from motcua_onestop.citizens.models import AccountKind


class RegistrationSchema(Schema):
    kind = fields.String(
        load_default=AccountKind.CITIZEN.value,
        validate=validate.OneOf([k.value for k in AccountKind]),
        metadata={"description": "citizen (CCCD required) or business (tax code required)."},
    )
    email = fields.String(validate=validate.Length(max=254), metadata={"description": "E-mail and/or phone."})
    phone = fields.String(
        validate=validate.Length(max=20),
        metadata={"description": "Vietnamese mobile number: 0xxxxxxxxx, 84… or +84… (stored as 0xxxxxxxxx)."},
    )
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    national_id = fields.String(validate=validate.Length(max=20), metadata={"description": "CCCD, 12 digits."})
    tax_code = fields.String(validate=validate.Length(max=20), metadata={"description": "MST: 10 or 10-3 digits."})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class CitizenAccountSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    full_name = fields.String()
    national_id = fields.String(allow_none=True)
    tax_code = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = fields.DateTime()


REMOVES = "null removes it (one of e-mail and phone must remain)."


class ProfileUpdateSchema(Schema):
    email = fields.String(validate=validate.Length(max=254), allow_none=True, metadata={"description": REMOVES})
    phone = fields.String(validate=validate.Length(max=20), allow_none=True, metadata={"description": REMOVES})
    full_name = fields.String(validate=validate.Length(min=1, max=200))
    national_id = fields.String(validate=validate.Length(max=20), allow_none=True)
    tax_code = fields.String(validate=validate.Length(max=20), allow_none=True)


def login_field() -> fields.String:
    return fields.String(
        required=True,
        validate=validate.Length(min=3, max=254),
        metadata={"description": "The account's e-mail or mobile number."},
    )


class CitizenLoginSchema(Schema):
    login = login_field()
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class PasswordChangeSchema(Schema):
    current_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class PasswordResetRequestSchema(Schema):
    login = login_field()


class PasswordResetAcceptedSchema(Schema):
    message = fields.String()


class PasswordResetConfirmSchema(Schema):
    login = login_field()
    code = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "The 6-digit code sent to the account's e-mail and/or phone."},
    )
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
