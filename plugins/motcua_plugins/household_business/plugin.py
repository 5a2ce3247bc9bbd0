from motcua_platform.plugins import (
    Fee,
    FeeLine,
    OnlineMode,
    Plugin,
    ProcedureDefinition,
    RequiredDocument,
    TimeLimit,
    TimeUnit,
)
from motcua_platform.plugins.definitions import Level, WorkflowStep

from motcua_plugins.household_business import forms

ND_01 = "Nghị định số 01/2021/NĐ-CP về đăng ký doanh nghiệp"
FLOW = (
    WorkflowStep("Tiếp nhận hồ sơ", "officer", "service_centre", 4),
    WorkflowStep("Phòng Kinh tế thẩm định", "officer", "commune", 12),
    WorkflowStep("Lãnh đạo UBND xã phê duyệt", "officer", "commune", 4),
    WorkflowStep("Trả kết quả", "officer", "service_centre", 4),
)
REGISTRATION_FEE = 100_000


def registration_fee(data, procedure, settings):
    """Lệ phí đăng ký hộ kinh doanh; nộp trực tuyến được giảm theo tỷ lệ tỉnh quy định (mặc định 50 %)."""
    fee = procedure.fees[0]
    if data.get("submitted_online"):
        percent = settings["online_discount_percent"]
        return [FeeLine(fee.name, fee.amount * (100 - percent) // 100, f"Giảm {percent}% khi nộp hồ sơ trực tuyến")]
    return [FeeLine(fee.name, fee.amount)]


class HouseholdBusinessPlugin(Plugin):
    """Hộ kinh doanh: đăng ký thành lập, thay đổi nội dung, tạm ngừng, chấm dứt hoạt động."""

    name = "household_business"
    title_vi = "Hộ kinh doanh"
    title_en = "Household business"
    version = "1.0.0"
    default_settings = {"online_discount_percent": 50}
    procedures = (
        ProcedureDefinition(
            key="registration",
            code="2.000575",
            name_vi="Đăng ký thành lập hộ kinh doanh",
            name_en="Household business registration",
            field="Thành lập và hoạt động của hộ kinh doanh",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=TimeLimit(3, TimeUnit.WORKING_DAYS),
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Giấy chứng nhận đăng ký hộ kinh doanh",
            legal_basis=(ND_01,),
            form=forms.RegistrationForm,
            fees=(Fee("Lệ phí đăng ký hộ kinh doanh", REGISTRATION_FEE),),
            fee_calculator=registration_fee,
            documents=(
                RequiredDocument("Giấy đề nghị đăng ký hộ kinh doanh"),
                RequiredDocument("Bản sao giấy tờ pháp lý của chủ hộ", original=False),
            ),
            workflow=FLOW,
        ),
        ProcedureDefinition(
            key="change",
            code="2.000564",
            name_vi="Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
            name_en="Change of household business registration",
            field="Thành lập và hoạt động của hộ kinh doanh",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=TimeLimit(3, TimeUnit.WORKING_DAYS),
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Giấy chứng nhận đăng ký hộ kinh doanh",
            legal_basis=(ND_01,),
            form=forms.ChangeForm,
            fees=(Fee("Lệ phí đăng ký thay đổi", REGISTRATION_FEE),),
            fee_calculator=registration_fee,
            documents=(
                RequiredDocument("Thông báo thay đổi nội dung đăng ký hộ kinh doanh"),
                RequiredDocument("Giấy chứng nhận đăng ký hộ kinh doanh đã cấp"),
            ),
            workflow=FLOW,
        ),
        ProcedureDefinition(
            key="suspension",
            code="2.000562",
            name_vi="Tạm ngừng hoạt động hộ kinh doanh",
            name_en="Suspension of a household business",
            field="Thành lập và hoạt động của hộ kinh doanh",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=TimeLimit(3, TimeUnit.WORKING_DAYS),
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Giấy xác nhận tạm ngừng kinh doanh",
            legal_basis=(ND_01,),
            form=forms.SuspensionForm,
            documents=(RequiredDocument("Thông báo tạm ngừng kinh doanh"),),
            workflow=FLOW,
        ),
        ProcedureDefinition(
            key="termination",
            code="2.000563",
            name_vi="Chấm dứt hoạt động hộ kinh doanh",
            name_en="Termination of a household business",
            field="Thành lập và hoạt động của hộ kinh doanh",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=TimeLimit(3, TimeUnit.WORKING_DAYS),
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Thông báo chấm dứt hoạt động",
            legal_basis=(ND_01,),
            form=forms.TerminationForm,
            documents=(
                RequiredDocument("Thông báo chấm dứt hoạt động hộ kinh doanh"),
                RequiredDocument("Giấy chứng nhận đăng ký hộ kinh doanh (bản gốc)"),
            ),
            workflow=FLOW,
        ),
    )
