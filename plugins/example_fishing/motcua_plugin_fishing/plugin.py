from marshmallow import fields, validate
from motcua_platform.plugins import (
    Fee,
    FeeLine,
    OnlineMode,
    Plugin,
    ProcedureDefinition,
    RequiredDocument,
    TimeLimit,
    TimeUnit,
    WorkflowStep,
)
from motcua_platform.plugins.definitions import Level
from motcua_platform.plugins.forms import CITIZEN_ID, FormSchema, not_blank


class LicenceForm(FormSchema):
    """Đơn đề nghị cấp giấy phép khai thác thủy sản."""

    owner_full_name = fields.String(
        required=True, validate=not_blank, metadata={"title": "Họ và tên chủ tàu", "x-title-en": "Owner's full name"}
    )
    owner_citizen_id = fields.String(
        required=True,
        validate=CITIZEN_ID,
        metadata={"title": "Số CCCD của chủ tàu", "x-title-en": "Owner's CCCD number"},
    )
    vessel_registration = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Z][A-Za-z]{1,2}-\d{4,5}-TS$", error="Số đăng ký tàu cá không hợp lệ (ví dụ: BTr-90123-TS)."
        ),
        metadata={"title": "Số đăng ký tàu cá", "x-title-en": "Vessel registration number"},
    )
    vessel_length_m = fields.Float(
        required=True,
        validate=validate.Range(
            min=0,
            min_inclusive=False,
            max=24,
            max_inclusive=False,
            error="Chiều dài tàu phải lớn hơn 0 và dưới 24 m (tàu do tỉnh cấp phép).",
        ),
        metadata={"title": "Chiều dài lớn nhất của tàu (m)", "x-title-en": "Vessel length (m)"},
    )
    fishing_zone = fields.String(
        required=True,
        validate=validate.OneOf(["ven_bo", "vung_long"], error="Vùng khai thác phải là 'ven_bo' hoặc 'vung_long'."),
        metadata={
            "title": "Vùng khai thác",
            "x-title-en": "Fishing zone",
            "x-enum-titles": {"ven_bo": "Vùng ven bờ", "vung_long": "Vùng lộng"},
            "x-enum-titles-en": {"ven_bo": "Coastal zone", "vung_long": "Inshore zone"},
        },
    )


def licence_fee(data, procedure, settings):
    """Lệ phí theo chiều dài tàu: dưới 12 m nửa mức (quy định minh họa của plugin mẫu)."""
    fee = procedure.fees[0]
    amount = fee.amount // 2 if data["vessel_length_m"] < 12 else fee.amount
    return [FeeLine(fee.name, amount)]


class FishingPlugin(Plugin):
    """Thủy sản: cấp giấy phép khai thác thủy sản cho tàu cá."""

    name = "fishing"
    title_vi = "Thủy sản"
    title_en = "Fisheries"
    version = "1.0.0"
    default_settings = {"coastal_only": False}
    procedures = (
        ProcedureDefinition(
            key="fishing_licence",
            code="1.004359",
            name_vi="Cấp giấy phép khai thác thủy sản",
            name_en="Fishing licence",
            field="Thủy sản",
            level=Level.PROVINCE,
            competent_unit_kind="department",
            time_limit=TimeLimit(6, TimeUnit.WORKING_DAYS),
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Giấy phép khai thác thủy sản",
            legal_basis=("Luật Thủy sản số 18/2017/QH14",),
            form=LicenceForm,
            fees=(Fee("Lệ phí cấp giấy phép khai thác thủy sản", 40_000),),
            fee_calculator=licence_fee,
            documents=(
                RequiredDocument("Đơn đề nghị cấp giấy phép"),
                RequiredDocument("Giấy chứng nhận đăng ký tàu cá", original=False),
            ),
            workflow=(
                WorkflowStep("Tiếp nhận", "officer", "service_centre", 4),
                WorkflowStep("Chi cục Thủy sản thẩm định", "officer", "department", 32),
                WorkflowStep("Trả kết quả", "officer", "service_centre", 4),
            ),
        ),
    )
