from marshmallow import fields, validate
from motcua_platform.plugins.forms import FormSchema, not_blank

from motcua_plugins.common import applicant, positive


class NewPermitForm(FormSchema):
    """Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ."""

    owner = applicant()
    land_parcel = fields.String(required=True, validate=not_blank, metadata={"title": "Thửa đất số, tờ bản đồ số"})
    land_certificate_number = fields.String(required=True, validate=not_blank)
    site_address = fields.String(required=True, validate=not_blank)
    site_area_m2 = fields.Float(required=True, validate=positive)
    floor_area_m2 = fields.Float(required=True, validate=positive, metadata={"title": "Tổng diện tích sàn (m²)"})
    floors = fields.Integer(required=True, validate=validate.Range(min=1, max=7, error="Số tầng phải từ 1 đến 7."))
    height_m = fields.Float(required=True, validate=positive)


class ExtensionForm(FormSchema):
    """Đơn đề nghị gia hạn giấy phép xây dựng."""

    owner = applicant()
    permit_number = fields.String(required=True, validate=not_blank)
    reason = fields.String(required=True, validate=not_blank)


class AdjustmentForm(FormSchema):
    """Đơn đề nghị điều chỉnh giấy phép xây dựng."""

    owner = applicant()
    permit_number = fields.String(required=True, validate=not_blank)
    floor_area_m2 = fields.Float(required=True, validate=positive)
    floors = fields.Integer(required=True, validate=validate.Range(min=1, max=7, error="Số tầng phải từ 1 đến 7."))
    changes = fields.String(required=True, validate=not_blank)
