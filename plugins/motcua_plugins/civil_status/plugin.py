from pathlib import Path

from motcua_platform.plugins import Fee, OnlineMode, Plugin, ProcedureDefinition, RequiredDocument, TimeLimit, TimeUnit
from motcua_platform.plugins.definitions import Level, WorkflowStep

from motcua_plugins.civil_status import forms

LUAT_HO_TICH = "Luật Hộ tịch số 60/2014/QH13"
ND_123 = "Nghị định số 123/2015/NĐ-CP"
TT_281 = "Thông tư số 281/2016/TT-BTC (phí, lệ phí hộ tịch)"

SAME_DAY = TimeLimit(1, TimeUnit.WORKING_DAYS, same_day_cutoff_hour=15)

COMMUNE_FLOW = (
    WorkflowStep("Tiếp nhận, kiểm tra hồ sơ", "officer", "service_centre", 2),
    WorkflowStep("Công chức tư pháp - hộ tịch thẩm định", "officer", "commune", 3),
    WorkflowStep("Lãnh đạo UBND xã ký", "officer", "commune", 2),
    WorkflowStep("Trả kết quả", "officer", "service_centre", 1),
)


class CivilStatusPlugin(Plugin):
    """Hộ tịch: đăng ký khai sinh, kết hôn, khai tử; cấp bản sao trích lục hộ tịch."""

    name = "civil_status"
    title_vi = "Hộ tịch"
    title_en = "Civil status"
    version = "1.0.0"
    # Fees are changed per province through catalogue overrides, so the group needs no settings of its own.
    default_settings = {}
    migrations = Path(__file__).parent / "migrations"
    models = "motcua_plugins.civil_status.models"
    procedures = (
        ProcedureDefinition(
            key="birth_registration",
            code="1.001193",
            name_vi="Đăng ký khai sinh",
            name_en="Birth registration",
            field="Hộ tịch",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=SAME_DAY,
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Giấy khai sinh (bản chính)",
            legal_basis=(LUAT_HO_TICH, ND_123, TT_281),
            form=forms.BirthRegistrationForm,
            fees=(Fee("Lệ phí đăng ký khai sinh", 0, exemptions=("Đăng ký khai sinh đúng hạn",)),),
            documents=(
                RequiredDocument("Tờ khai đăng ký khai sinh"),
                RequiredDocument("Giấy chứng sinh"),
                RequiredDocument("Giấy tờ tùy thân của người đi đăng ký", original=False),
            ),
            workflow=COMMUNE_FLOW,
        ),
        ProcedureDefinition(
            key="marriage_registration",
            code="1.000894",
            name_vi="Đăng ký kết hôn",
            name_en="Marriage registration",
            field="Hộ tịch",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=TimeLimit(5, TimeUnit.WORKING_DAYS),
            online_mode=OnlineMode.PARTIAL,
            legacy_level=3,
            result_document="Giấy chứng nhận kết hôn",
            legal_basis=(LUAT_HO_TICH, ND_123, "Luật Hôn nhân và gia đình 2014"),
            form=forms.MarriageRegistrationForm,
            fees=(Fee("Lệ phí đăng ký kết hôn", 0, exemptions=("Công dân Việt Nam cư trú trong nước",)),),
            documents=(
                RequiredDocument("Tờ khai đăng ký kết hôn"),
                RequiredDocument("Giấy xác nhận tình trạng hôn nhân", count=2),
            ),
            workflow=COMMUNE_FLOW,
        ),
        ProcedureDefinition(
            key="death_registration",
            code="1.000656",
            name_vi="Đăng ký khai tử",
            name_en="Death registration",
            field="Hộ tịch",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=SAME_DAY,
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Trích lục khai tử",
            legal_basis=(LUAT_HO_TICH, ND_123),
            form=forms.DeathRegistrationForm,
            fees=(Fee("Lệ phí đăng ký khai tử", 0, exemptions=("Đăng ký khai tử đúng hạn",)),),
            documents=(RequiredDocument("Tờ khai đăng ký khai tử"), RequiredDocument("Giấy báo tử")),
            workflow=COMMUNE_FLOW,
        ),
        ProcedureDefinition(
            key="extract_copy",
            code="2.000635",
            name_vi="Cấp bản sao trích lục hộ tịch",
            name_en="Certified copy of a civil-status extract",
            field="Hộ tịch",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=SAME_DAY,
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Bản sao trích lục hộ tịch",
            legal_basis=(LUAT_HO_TICH, ND_123, TT_281),
            form=forms.ExtractCopyForm,
            fees=(Fee("Phí cấp bản sao trích lục", 8000, per="bản"),),
            documents=(RequiredDocument("Tờ khai cấp bản sao trích lục hộ tịch"),),
            workflow=COMMUNE_FLOW[:1] + COMMUNE_FLOW[2:],
        ),
    )
