from marshmallow import ValidationError, fields, validate, validates_schema
from motcua_platform.plugins.forms import CITIZEN_ID, FormSchema, not_blank

from motcua_plugins.common import applicant, positive

RELATION = validate.OneOf(
    ["vo_chong", "cha_me_con", "ong_ba_chau", "anh_chi_em", "khac"], error="Quan hệ giữa các bên không hợp lệ."
)


class ParcelSchema(FormSchema):
    map_sheet = fields.String(required=True, validate=not_blank, metadata={"title": "Tờ bản đồ số"})
    parcel_number = fields.String(required=True, validate=not_blank, metadata={"title": "Thửa đất số"})
    area_m2 = fields.Float(required=True, validate=positive)
    address = fields.String(required=True, validate=not_blank)
    land_use = fields.String(
        required=True,
        validate=validate.OneOf(
            ["ONT", "ODT", "LUC", "CLN", "NTS"], error="Mục đích sử dụng đất không hợp lệ (ONT, ODT, LUC, CLN, NTS)."
        ),
    )


class FirstCertificateForm(FormSchema):
    """Đơn đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu."""

    applicant = applicant()
    parcel = fields.Nested(ParcelSchema, required=True)
    origin = fields.String(required=True, validate=not_blank, metadata={"title": "Nguồn gốc sử dụng đất"})
    used_since = fields.Date(required=True)


class _TransferBase(FormSchema):
    applicant = applicant()
    counterparty_full_name = fields.String(required=True, validate=not_blank)
    counterparty_citizen_id = fields.String(required=True, validate=CITIZEN_ID)
    certificate_number = fields.String(required=True, validate=not_blank)
    parcel = fields.Nested(ParcelSchema, required=True)
    declared_value_vnd = fields.Integer(required=True, validate=positive, metadata={"title": "Giá trị khai báo"})
    relationship = fields.String(load_default="khac", validate=RELATION)

    @validates_schema
    def different_people(self, data, **kwargs):
        if data.get("applicant", {}).get("citizen_id") == data.get("counterparty_citizen_id"):
            raise ValidationError({"counterparty_citizen_id": ["Hai bên không được là cùng một người."]})


class TransferForm(_TransferBase):
    """Đăng ký biến động: chuyển nhượng quyền sử dụng đất."""

    contract_number = fields.String(required=True, validate=not_blank, metadata={"title": "Số hợp đồng công chứng"})


class InheritanceForm(_TransferBase):
    """Đăng ký biến động: thừa kế quyền sử dụng đất."""

    deceased_full_name = fields.String(required=True, validate=not_blank)
    inheritance_document = fields.String(required=True, validate=not_blank)


class GiftForm(_TransferBase):
    """Đăng ký biến động: tặng cho quyền sử dụng đất."""

    contract_number = fields.String(required=True, validate=not_blank)
