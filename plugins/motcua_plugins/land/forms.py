from marshmallow import ValidationError, fields, validate, validates_schema
from motcua_platform.plugins.forms import CITIZEN_ID, FormSchema, not_blank

from motcua_plugins.common import applicant, choices, positive, title

RELATIONS = {
    "vo_chong": "Vợ, chồng",
    "cha_me_con": "Cha, mẹ và con",
    "ong_ba_chau": "Ông, bà và cháu",
    "anh_chi_em": "Anh, chị, em",
    "khac": "Khác",
}
RELATIONS_EN = {
    "vo_chong": "Spouses",
    "cha_me_con": "Parent and child",
    "ong_ba_chau": "Grandparent and grandchild",
    "anh_chi_em": "Siblings",
    "khac": "Other",
}
RELATION = validate.OneOf(list(RELATIONS), error="Quan hệ giữa các bên không hợp lệ.")
LAND_USES = {
    "ONT": "Đất ở tại nông thôn (ONT)",
    "ODT": "Đất ở tại đô thị (ODT)",
    "LUC": "Đất chuyên trồng lúa (LUC)",
    "CLN": "Đất trồng cây lâu năm (CLN)",
    "NTS": "Đất nuôi trồng thủy sản (NTS)",
}
LAND_USES_EN = {
    "ONT": "Rural residential land (ONT)",
    "ODT": "Urban residential land (ODT)",
    "LUC": "Paddy land (LUC)",
    "CLN": "Perennial crop land (CLN)",
    "NTS": "Aquaculture land (NTS)",
}
PARCEL = title("Thửa đất", "Land parcel")
CONTRACT = title("Số hợp đồng công chứng", "Notarised contract number")


class ParcelSchema(FormSchema):
    map_sheet = fields.String(required=True, validate=not_blank, metadata=title("Tờ bản đồ số", "Map sheet number"))
    parcel_number = fields.String(required=True, validate=not_blank, metadata=title("Thửa đất số", "Parcel number"))
    area_m2 = fields.Float(required=True, validate=positive, metadata=title("Diện tích (m²)", "Area (m²)"))
    address = fields.String(required=True, validate=not_blank, metadata=title("Địa chỉ thửa đất", "Parcel address"))
    land_use = fields.String(
        required=True,
        validate=validate.OneOf(
            ["ONT", "ODT", "LUC", "CLN", "NTS"], error="Mục đích sử dụng đất không hợp lệ (ONT, ODT, LUC, CLN, NTS)."
        ),
        metadata=title("Mục đích sử dụng đất", "Land use", **choices(LAND_USES, LAND_USES_EN)),
    )


class FirstCertificateForm(FormSchema):
    """Đơn đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu."""

    applicant = applicant()
    parcel = fields.Nested(ParcelSchema, required=True, metadata=PARCEL)
    origin = fields.String(
        required=True, validate=not_blank, metadata=title("Nguồn gốc sử dụng đất", "Origin of the land use")
    )
    used_since = fields.Date(required=True, metadata=title("Thời điểm bắt đầu sử dụng đất", "In use since"))


class _TransferBase(FormSchema):
    applicant = applicant()
    counterparty_full_name = fields.String(
        required=True, validate=not_blank, metadata=title("Họ và tên bên kia", "Full name of the other party")
    )
    counterparty_citizen_id = fields.String(
        required=True, validate=CITIZEN_ID, metadata=title("Số CCCD của bên kia", "CCCD number of the other party")
    )
    certificate_number = fields.String(
        required=True, validate=not_blank, metadata=title("Số Giấy chứng nhận đã cấp", "Certificate number")
    )
    parcel = fields.Nested(ParcelSchema, required=True, metadata=PARCEL)
    declared_value_vnd = fields.Integer(
        required=True, validate=positive, metadata=title("Giá trị khai báo (đồng)", "Declared value (VND)")
    )
    relationship = fields.String(
        load_default="khac",
        validate=RELATION,
        metadata=title("Quan hệ giữa các bên", "Relationship between the parties", **choices(RELATIONS, RELATIONS_EN)),
    )

    @validates_schema
    def different_people(self, data, **kwargs):
        if data.get("applicant", {}).get("citizen_id") == data.get("counterparty_citizen_id"):
            raise ValidationError({"counterparty_citizen_id": ["Hai bên không được là cùng một người."]})


class TransferForm(_TransferBase):
    """Đăng ký biến động: chuyển nhượng quyền sử dụng đất."""

    contract_number = fields.String(required=True, validate=not_blank, metadata=CONTRACT)


class InheritanceForm(_TransferBase):
    """Đăng ký biến động: thừa kế quyền sử dụng đất."""

    deceased_full_name = fields.String(
        required=True,
        validate=not_blank,
        metadata=title("Họ và tên người để lại di sản", "Full name of the deceased"),
    )
    inheritance_document = fields.String(
        required=True,
        validate=not_blank,
        metadata=title("Văn bản thừa kế (số, ngày)", "Inheritance document (number, date)"),
    )


class GiftForm(_TransferBase):
    """Đăng ký biến động: tặng cho quyền sử dụng đất."""

    contract_number = fields.String(required=True, validate=not_blank, metadata=CONTRACT)
