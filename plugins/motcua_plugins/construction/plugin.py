from motcua_platform.plugins import Fee, OnlineMode, Plugin, ProcedureDefinition, RequiredDocument, TimeLimit, TimeUnit
from motcua_platform.plugins.definitions import Level, WorkflowStep

from motcua_plugins.construction import forms

LUAT_XD = "Luật Xây dựng 2014, sửa đổi bởi Luật số 62/2020/QH14"
ND_175 = "Nghị định số 175/2024/NĐ-CP"
FLOW = (
    WorkflowStep("Tiếp nhận hồ sơ", "officer", "service_centre", 4),
    WorkflowStep("Phòng Kinh tế - Hạ tầng thẩm định, kiểm tra thực địa", "officer", "commune", 72),
    WorkflowStep("Lãnh đạo UBND xã ký giấy phép", "officer", "commune", 8),
    WorkflowStep("Trả kết quả", "officer", "service_centre", 4),
)


class ConstructionPlugin(Plugin):
    """Cấp phép xây dựng nhà ở riêng lẻ: cấp mới, gia hạn, điều chỉnh."""

    name = "construction"
    title_vi = "Hoạt động xây dựng"
    title_en = "Construction permits"
    version = "1.0.0"
    procedures = (
        ProcedureDefinition(
            key="new_permit_house",
            code="1.009994",
            name_vi="Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
            name_en="New construction permit for a private house",
            field="Hoạt động xây dựng",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=TimeLimit(15, TimeUnit.DAYS),
            online_mode=OnlineMode.PARTIAL,
            legacy_level=3,
            result_document="Giấy phép xây dựng",
            legal_basis=(LUAT_XD, ND_175),
            form=forms.NewPermitForm,
            fees=(Fee("Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ", 75_000),),
            documents=(
                RequiredDocument("Đơn đề nghị cấp giấy phép xây dựng"),
                RequiredDocument("Giấy chứng nhận quyền sử dụng đất", original=False),
                RequiredDocument("Bản vẽ thiết kế xây dựng", count=2),
            ),
            workflow=FLOW,
        ),
        ProcedureDefinition(
            key="permit_extension",
            code="1.009997",
            name_vi="Gia hạn giấy phép xây dựng",
            name_en="Extension of a construction permit",
            field="Hoạt động xây dựng",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=TimeLimit(5, TimeUnit.WORKING_DAYS),
            online_mode=OnlineMode.FULL,
            legacy_level=4,
            result_document="Giấy phép xây dựng được gia hạn",
            legal_basis=(LUAT_XD, ND_175),
            form=forms.ExtensionForm,
            fees=(Fee("Lệ phí gia hạn giấy phép xây dựng", 15_000),),
            documents=(RequiredDocument("Đơn đề nghị gia hạn"), RequiredDocument("Bản chính giấy phép xây dựng")),
            workflow=FLOW[:1] + FLOW[2:],
        ),
        ProcedureDefinition(
            key="permit_adjustment",
            code="1.009996",
            name_vi="Điều chỉnh giấy phép xây dựng",
            name_en="Adjustment of a construction permit",
            field="Hoạt động xây dựng",
            level=Level.COMMUNE,
            competent_unit_kind="commune",
            time_limit=TimeLimit(15, TimeUnit.DAYS),
            online_mode=OnlineMode.PARTIAL,
            legacy_level=3,
            result_document="Giấy phép xây dựng điều chỉnh",
            legal_basis=(LUAT_XD, ND_175),
            form=forms.AdjustmentForm,
            fees=(Fee("Lệ phí điều chỉnh giấy phép xây dựng", 75_000),),
            documents=(
                RequiredDocument("Đơn đề nghị điều chỉnh"),
                RequiredDocument("Bản chính giấy phép xây dựng"),
                RequiredDocument("Bản vẽ thiết kế điều chỉnh", count=2),
            ),
            workflow=FLOW,
        ),
    )
