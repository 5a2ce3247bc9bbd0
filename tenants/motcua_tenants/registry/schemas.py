from marshmallow import fields, validate
from motcua_platform.directory.models import TenantStatus
from motcua_platform.i18n import _
from motcua_platform.web.schema import Schema

from motcua_tenants.branding.schemas import BrandingUpdateSchema

COLOR = validate.Regexp(r"^#[0-9a-fA-F]{6}$", error=_("Colour must look like #1a2b3c."))


class DomainSchema(Schema):
    domain = fields.String(required=True)


class TenantJobSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    progress = fields.Integer()
    step = fields.String()
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)


class AdminInputSchema(Schema):
    email = fields.Email(required=True)
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class TenantCreateSchema(Schema):
    slug = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "Lower-case letters and digits; becomes <slug>.<base domain> and schema t_<slug>."},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200), metadata={"example": "Tỉnh Đắk Lắk"})
    unit_code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Electronic identifier of the province (QĐ 20/2020)."},
    )
    display_name = fields.String(validate=validate.Length(max=200))
    locale = fields.String(load_default="vi", validate=validate.OneOf(["vi", "en"]))
    timezone = fields.String(load_default="Asia/Ho_Chi_Minh", validate=validate.OneOf(["Asia/Ho_Chi_Minh"]))
    logo_url = fields.URL(allow_none=True)
    primary_color = fields.String(load_default="#b71c1c", validate=COLOR)
    secondary_color = fields.String(load_default="#ffc107", validate=COLOR)
    domains = fields.List(
        fields.String(validate=validate.Length(min=1, max=253)), load_default=list, validate=validate.Length(max=10)
    )
    admin = fields.Nested(AdminInputSchema, metadata={"description": "The province's first tenant admin."})
    server = fields.String(
        load_default="main",
        validate=validate.Length(min=1, max=30),
        metadata={
            "description": "The database server that holds the schema: main, or a name in MOTCUA_DATABASE_SERVERS."
        },
    )


class TenantUpdateSchema(BrandingUpdateSchema):
    """The province's own branding fields (``BrandingUpdateSchema``, the same rules) and its legal name."""

    name = fields.String(validate=validate.Length(min=1, max=200))


class TenantSchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    status = fields.String(metadata={"enum": [s.value for s in TenantStatus]})
    unit_code = fields.String()
    locale = fields.String()
    timezone = fields.String()
    display_name = fields.String()
    logo_url = fields.String(allow_none=True)
    primary_color = fields.String()
    secondary_color = fields.String()
    branding = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "hotline, address, email, footer"}
    )
    domains = fields.Method("_domains")
    archive_path = fields.String(allow_none=True)
    server = fields.String(metadata={"description": "The database server that holds the schema (ADR 0055)."})
    created_at = fields.DateTime()
    status_changed_at = fields.DateTime()
    merged_into = fields.Function(
        lambda tenant: tenant.merged_into.slug if tenant.merged_into is not None else None,
        allow_none=True,
        metadata={"type": "string", "description": "Status merged: the slug of the tenant it was merged "
                  "into, where its hosts redirect (ADR 0060); else null."},
    )  # fmt: skip
    merged_on = fields.Date(
        allow_none=True,
        metadata={"description": "Status merged: the first day the province belongs to merged_into; else null."},
    )

    def _domains(self, tenant) -> list[str]:
        return [d.domain for d in tenant.domains]


class TenantWithJobSchema(Schema):
    tenant = fields.Nested(TenantSchema)
    job = fields.Nested(TenantJobSchema)


class TenantListArgsSchema(Schema):
    status = fields.String(validate=validate.OneOf([s.value for s in TenantStatus]))


class SuspendSchema(Schema):
    reason = fields.String(validate=validate.Length(max=500))


class PortalSchema(Schema):
    plugins = fields.Function(lambda info: sorted(info.plugins), metadata={"description": "Enabled procedure groups."})
    slug = fields.String()
    name = fields.String()
    display_name = fields.String()
    locale = fields.String()
    timezone = fields.String()
    logo_url = fields.String(allow_none=True)
    primary_color = fields.String()
    secondary_color = fields.String()
