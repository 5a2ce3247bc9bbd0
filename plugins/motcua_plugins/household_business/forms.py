from marshmallow import fields, validate
from motcua_platform.plugins.forms import FormSchema, not_blank

from motcua_plugins.common import applicant, positive, title

SUBMITTED_ONLINE = title("Nộp qua mạng", "Submitted online")
BUSINESS_CODE_TITLE = title("Mã số hộ kinh doanh", "Household business code")

BUSINESS_CODE = validate.Regexp(
    r"^\d{10}$|^\d{2}[A-Z]\d{1}\d{6}$", error="Mã số hộ kinh doanh/mã số thuế phải gồm 10 chữ số."
)


class RegistrationForm(FormSchema):
    """Giấy đề nghị đăng ký hộ kinh doanh (Nghị định 01/2021/NĐ-CP)."""

    owner = applicant()
    business_name = fields.String(
        required=True,
        validate=[not_blank, validate.Length(max=200)],
        metadata=title("Tên hộ kinh doanh", "Business name"),
    )
    address = fields.String(
        required=True, validate=not_blank, metadata=title("Địa điểm kinh doanh", "Business address")
    )
    business_lines = fields.List(
        fields.String(validate=not_blank),
        required=True,
        validate=validate.Length(min=1, error="Phải có ít nhất một ngành, nghề kinh doanh."),
        metadata=title("Ngành, nghề kinh doanh", "Business lines"),
    )
    capital_vnd = fields.Integer(
        required=True, validate=positive, metadata=title("Vốn kinh doanh (đồng)", "Business capital (VND)")
    )
    employees = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, error="Không được âm."),
        metadata=title("Số lao động", "Number of employees"),
    )
    submitted_online = fields.Boolean(load_default=False, metadata=SUBMITTED_ONLINE)


class ChangeForm(FormSchema):
    """Thông báo thay đổi nội dung đăng ký hộ kinh doanh."""

    owner = applicant()
    business_code = fields.String(required=True, validate=BUSINESS_CODE, metadata=BUSINESS_CODE_TITLE)
    changes = fields.Dict(
        keys=fields.String(
            validate=validate.OneOf(
                ["business_name", "address", "business_lines", "capital_vnd", "owner"],
                error="Nội dung thay đổi không hợp lệ.",
            )
        ),
        required=True,
        validate=validate.Length(min=1, error="Phải có ít nhất một nội dung thay đổi."),
        metadata=title("Nội dung thay đổi", "Changes"),
    )
    submitted_online = fields.Boolean(load_default=False, metadata=SUBMITTED_ONLINE)


class SuspensionForm(FormSchema):
    """Thông báo tạm ngừng kinh doanh."""

    owner = applicant()
    business_code = fields.String(required=True, validate=BUSINESS_CODE, metadata=BUSINESS_CODE_TITLE)
    from_date = fields.Date(required=True, metadata=title("Tạm ngừng từ ngày", "Suspended from"))
    to_date = fields.Date(required=True, metadata=title("Đến ngày", "Suspended until"))
    reason = fields.String(validate=validate.Length(max=500), metadata=title("Lý do tạm ngừng", "Reason"))


class TerminationForm(FormSchema):
    """Thông báo chấm dứt hoạt động hộ kinh doanh."""

    owner = applicant()
    business_code = fields.String(required=True, validate=BUSINESS_CODE, metadata=BUSINESS_CODE_TITLE)
    tax_cleared = fields.Boolean(
        required=True,
        validate=validate.Equal(True, error="Phải hoàn thành nghĩa vụ thuế trước khi chấm dứt hoạt động."),
        metadata=title("Đã hoàn thành nghĩa vụ thuế", "Tax obligations fulfilled"),
    )
