from marshmallow import fields, validate
from motcua_platform.plugins.forms import FormSchema, not_blank

from motcua_plugins.common import applicant, positive, title


def permit_field():
    return fields.String(
        required=True, validate=not_blank, metadata=title("Số giấy phép xây dựng đã cấp", "Building permit number")
    )


class NewPermitForm(FormSchema):
    """Đơn đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ."""

    owner = applicant()
    land_parcel = fields.String(
        required=True, validate=not_blank, metadata=title("Thửa đất số, tờ bản đồ số", "Land parcel and map sheet")
    )
    land_certificate_number = fields.String(
        required=True,
        validate=not_blank,
        metadata=title("Số Giấy chứng nhận quyền sử dụng đất", "Land use right certificate number"),
    )
    site_address = fields.String(
        required=True, validate=not_blank, metadata=title("Địa điểm xây dựng", "Building site")
    )
    site_area_m2 = fields.Float(
        required=True, validate=positive, metadata=title("Diện tích lô đất (m²)", "Site area (m²)")
    )
    floor_area_m2 = fields.Float(
        required=True, validate=positive, metadata=title("Tổng diện tích sàn (m²)", "Total floor area (m²)")
    )
    floors = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=7, error="Số tầng phải từ 1 đến 7."),
        metadata=title("Số tầng", "Number of floors"),
    )
    height_m = fields.Float(required=True, validate=positive, metadata=title("Chiều cao công trình (m)", "Height (m)"))


class ExtensionForm(FormSchema):
    """Đơn đề nghị gia hạn giấy phép xây dựng."""

    owner = applicant()
    permit_number = permit_field()
    reason = fields.String(
        required=True, validate=not_blank, metadata=title("Lý do đề nghị gia hạn", "Reason for the extension")
    )


class AdjustmentForm(FormSchema):
    """Đơn đề nghị điều chỉnh giấy phép xây dựng."""

    owner = applicant()
    permit_number = permit_field()
    floor_area_m2 = fields.Float(
        required=True,
        validate=positive,
        metadata=title("Tổng diện tích sàn sau điều chỉnh (m²)", "Total floor area after the change (m²)"),
    )
    floors = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=7, error="Số tầng phải từ 1 đến 7."),
        metadata=title("Số tầng sau điều chỉnh", "Number of floors after the change"),
    )
    changes = fields.String(
        required=True, validate=not_blank, metadata=title("Nội dung đề nghị điều chỉnh", "Changes requested")
    )
