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

from motcua_plugins.land import forms

LUAT_DD = "Luật Đất đai số 31/2024/QH15"
ND_101 = "Nghị định số 101/2024/NĐ-CP"
ND_10 = "Nghị định số 10/2022/NĐ-CP (lệ phí trước bạ)"
REGISTRATION_RATE_PERMILLE = 5  # lệ phí trước bạ nhà, đất: 0,5 %
CLOSE_RELATIVES = {"vo_chong", "cha_me_con", "ong_ba_chau", "anh_chi_em"}
FLOW = (
    WorkflowStep("Tiếp nhận hồ sơ", "officer", "service_centre", 4),
    WorkflowStep("Văn phòng đăng ký đất đai thẩm tra", "officer", "sector_office", 80),
    WorkflowStep("Xác định nghĩa vụ tài chính (cơ quan thuế)", "officer", "sector_office", 24),
    WorkflowStep("Ký, cập nhật Giấy chứng nhận", "officer", "department", 16),
    WorkflowStep("Trả kết quả", "officer", "service_centre", 4),
)


def transfer_fees(data, procedure, settings):
    """Lệ phí trước bạ 0,5 % giá trị khai báo, miễn khi thừa kế/tặng cho giữa người thân (Nghị định 10/2022,
    Điều 10); cộng lệ phí cấp giấy chứng nhận."""
    lines = [FeeLine(f.name, f.amount) for f in procedure.fees]
    exempt = procedure.key in ("inheritance", "gift") and data.get("relationship") in CLOSE_RELATIVES
    value = int(data.get("declared_value_vnd", 0))
    duty = 0 if exempt else value * REGISTRATION_RATE_PERMILLE // 1000
    lines.append(FeeLine("Lệ phí trước bạ nhà, đất", duty, "Miễn: giữa người thân trong gia đình" if exempt else None))
    return lines


def _transfer(key, code, name_vi, name_en, form, contract_doc):
    return ProcedureDefinition(
        key=key,
        code=code,
        name_vi=name_vi,
        name_en=name_en,
        field="Đất đai",
        level=Level.PROVINCE,
        competent_unit_kind="sector_office",
        time_limit=TimeLimit(10, TimeUnit.WORKING_DAYS),
        online_mode=OnlineMode.PARTIAL,
        legacy_level=3,
        result_document="Giấy chứng nhận quyền sử dụng đất",
        legal_basis=(LUAT_DD, ND_101, ND_10),
        form=form,
        fees=(Fee("Lệ phí cấp Giấy chứng nhận", 50_000),),
        fee_calculator=transfer_fees,
        documents=(
            RequiredDocument("Đơn đăng ký biến động đất đai"),
            RequiredDocument(contract_doc),
            RequiredDocument("Bản gốc Giấy chứng nhận đã cấp"),
            RequiredDocument("Tờ khai lệ phí trước bạ"),
            RequiredDocument("Tờ khai thuế thu nhập cá nhân"),
        ),
        workflow=FLOW,
    )


class LandPlugin(Plugin):
    """Đất đai: cấp Giấy chứng nhận lần đầu; đăng ký biến động chuyển nhượng, thừa kế, tặng cho."""

    name = "land"
    title_vi = "Đất đai"
    title_en = "Land"
    version = "1.0.0"
    procedures = (
        ProcedureDefinition(
            key="first_certificate",
            code="1.012756",
            name_vi="Đăng ký đất đai, cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
            name_en="First land-use certificate",
            field="Đất đai",
            level=Level.PROVINCE,
            competent_unit_kind="sector_office",
            time_limit=TimeLimit(20, TimeUnit.WORKING_DAYS),
            online_mode=OnlineMode.PARTIAL,
            legacy_level=3,
            result_document="Giấy chứng nhận quyền sử dụng đất",
            legal_basis=(LUAT_DD, ND_101),
            form=forms.FirstCertificateForm,
            fees=(Fee("Lệ phí cấp Giấy chứng nhận", 100_000), Fee("Phí thẩm định hồ sơ cấp Giấy chứng nhận", 500_000)),
            documents=(
                RequiredDocument("Đơn đăng ký đất đai"),
                RequiredDocument("Giấy tờ về quyền sử dụng đất", original=False),
                RequiredDocument("Sơ đồ thửa đất"),
            ),
            workflow=FLOW,
        ),
        _transfer(
            "transfer",
            "1.012800",
            "Đăng ký biến động do chuyển nhượng quyền sử dụng đất",
            "Transfer of land-use rights",
            forms.TransferForm,
            "Hợp đồng chuyển nhượng có công chứng",
        ),
        _transfer(
            "inheritance",
            "1.012801",
            "Đăng ký biến động do thừa kế quyền sử dụng đất",
            "Inheritance of land-use rights",
            forms.InheritanceForm,
            "Văn bản khai nhận di sản thừa kế",
        ),
        _transfer(
            "gift",
            "1.012802",
            "Đăng ký biến động do tặng cho quyền sử dụng đất",
            "Gift of land-use rights",
            forms.GiftForm,
            "Hợp đồng tặng cho có công chứng",
        ),
    )
