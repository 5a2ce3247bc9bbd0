from flask_smorest.fields import Upload
from marshmallow import fields
from motcua_platform.web.schema import Schema

from motcua_tenants.branding.services import MAX_LENGTHS


# Lengths, colours and formats are checked by the service (every error of a request at once, the same for
# both hosts); the schema only documents them.
def _text(name: str, description: str) -> fields.String:
    return fields.String(allow_none=True, metadata={"description": description, "maxLength": MAX_LENGTHS[name]})


COLOUR_HELP = "#rrggbb."
COLOUR_PATTERN = "^#[0-9a-fA-F]{6}$"


class BrandingFieldsMixin(Schema):
    """The contact details a portal shows (empty or null: not shown)."""

    hotline = _text("hotline", "Telephone shown on every page: digits, spaces, +, ., - and brackets.")
    address = _text("address", "Address of the province's public administration service centre.")
    email = _text("email", "Contact e-mail address.")
    footer = _text("footer", "A line of text at the foot of every page.")


class BrandingUpdateSchema(BrandingFieldsMixin):
    """What a province may change; absent fields stay as they are."""

    display_name = fields.String(metadata={"minLength": 1, "maxLength": MAX_LENGTHS["display_name"]})
    primary_color = fields.String(
        metadata={
            "description": "#rrggbb; white or near-black text must reach 4.5:1 contrast on it.",
            "pattern": COLOUR_PATTERN,
        }
    )
    secondary_color = fields.String(metadata={"description": COLOUR_HELP, "pattern": COLOUR_PATTERN})
    logo_url = fields.String(
        allow_none=True, metadata={"description": "Only null: removes the logo. A logo is uploaded with PUT …/logo."}
    )


class BrandingSchema(Schema):
    slug = fields.String()
    name = fields.String()
    display_name = fields.String()
    logo_url = fields.String(
        allow_none=True, metadata={"description": "/brand/logo?v=<digest> when a logo was uploaded, else null."}
    )
    primary_color = fields.String()
    secondary_color = fields.String()
    hotline = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    footer = fields.String(allow_none=True)


class LogoUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "PNG or JPEG (by content, not SVG), at most 512 KB."})
