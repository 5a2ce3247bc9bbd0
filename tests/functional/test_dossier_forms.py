"""Printable forms 01–07: each renders in the right state, 409 in the wrong one, access, the QR payload."""

import datetime as dt
import json
import shutil
import subprocess

import pytest
from dossier_support import APPLICANT, FORM, MARRIAGE, SYSTEM, citizen_client, intake_in
from motcua_onestop.dossiers import services
from motcua_onestop.dossiers.extensions import services as extensions
from motcua_onestop.dossiers.forms import services as forms
from motcua_platform.errors import Conflict
from motcua_platform.timezones import VIETNAM

PDFTOTEXT = shutil.which("pdftotext")


def pdf_text(body: bytes) -> str | None:
    if PDFTOTEXT is None:
        return None
    result = subprocess.run([PDFTOTEXT, "-enc", "UTF-8", "-", "-"], input=body, capture_output=True, check=True)
    return " ".join(result.stdout.decode("utf-8").split())


def assert_form(response, number: str, code: str) -> None:
    assert response.status_code == 200, response.get_json() if response.is_json else response.status_code
    assert response.mimetype == "application/pdf"
    body = response.data
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    if text is not None:
        assert forms.FORMS[number] in text
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "UBND TỈNH ALPHA" in text
        assert code in text


@pytest.fixture
def officer(host_client, seeded):
    return host_client(seeded["alpha"].host, seeded["alpha"].tokens["officer"])


def intake_body(seeded, channel="counter", unit="commune_a"):
    return {
        "procedure_code": MARRIAGE,
        "receiving_unit_id": seeded["alpha"].units[unit],
        "channel": channel,
        "applicant": APPLICANT,
        "form": FORM,
    }


def receive(client, seeded, channel="counter", unit="commune_a") -> str:
    response = client.post("/api/v1/dossiers", json=intake_body(seeded, channel, unit))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["code"]


def move(client, code, to_status, version, comment=None):
    body = {"to_status": to_status} | ({"comment": comment} if comment else {})
    response = client.post(f"/api/v1/dossiers/{code}/transitions", json=body, headers={"If-Match": f'"{version}"'})
    assert response.status_code == 200, response.get_json()


def form(client, code, number):
    return client.get(f"/api/v1/dossiers/{code}/forms/{number}.pdf")


def test_receipt_and_control_slip_for_a_received_dossier(officer, seeded):
    code = receive(officer, seeded)
    assert_form(form(officer, code, "01"), "01", code)
    move(officer, code, 4, 1)
    slip = form(officer, code, "06")
    assert_form(slip, "06", code)
    if (text := pdf_text(slip.data)) is not None:
        assert "Tiếp nhận tại quầy" in text and "Đang xử lý" in text  # the history is on the slip


def test_supplement_refusal_and_stop_carry_the_reason(officer, host_client, seeded):
    supplement = receive(officer, seeded)
    move(officer, supplement, 4, 1)
    move(officer, supplement, 5, 2, "Thiếu bản sao giấy khai sinh")
    response = form(officer, supplement, "02")
    assert_form(response, "02", supplement)
    if (text := pdf_text(response.data)) is not None:
        assert "Thiếu bản sao giấy khai sinh" in text

    refused = receive(citizen_client(host_client, seeded), seeded, channel="online")
    move(officer, refused, 3, 1, "Không thuộc thẩm quyền")
    response = form(officer, refused, "03")
    assert_form(response, "03", refused)
    if (text := pdf_text(response.data)) is not None:
        assert "Không thuộc thẩm quyền" in text

    stopped = receive(officer, seeded)
    move(officer, stopped, 4, 1)
    move(officer, stopped, 8, 2, "Người nộp đã chết")
    response = form(officer, stopped, "05")
    assert_form(response, "05", stopped)
    if (text := pdf_text(response.data)) is not None:
        assert "Người nộp đã chết" in text


def test_wrong_state_is_409_with_a_clear_message(officer, host_client, seeded):
    code = receive(officer, seeded)
    for number in ("02", "03", "04", "05"):
        response = form(officer, code, number)
        assert response.status_code == 409, number
        assert f"Form {number}" in response.get_json()["message"] and response.get_json()["code"] == "conflict"
    online = receive(citizen_client(host_client, seeded), seeded, channel="online")
    assert form(officer, online, "01").status_code == 409  # not received yet
    assert form(officer, code, "07").status_code == 404  # the register has its own route
    assert form(officer, code, "99").status_code == 404


def test_apology_form_prints_the_stored_extension(runtime, seeded):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = intake_in(session, seeded, name="Trần Văn A", citizen_id="079090001111", now=monday)
        services.transition(session, SYSTEM, dossier, 4, 1, tenant=seeded["alpha"].context, now=monday)
        soon = dossier.due_at - dt.timedelta(hours=2)  # the apology goes out before the due date
        with pytest.raises(Conflict, match="Form 04"):  # no extension stored yet
            forms.render_form(session, dossier, "04", seeded["alpha"].context, now=soon)
        extensions.extend(
            session,
            SYSTEM,
            None,
            dossier,
            2,
            extensions.ExtensionRequest("Chờ kết quả xác minh", "Thành thật xin lỗi Ông/Bà.", working_days=3),
            tenant=seeded["alpha"].context,
            now=soon,
        )
        body = forms.render_form(session, dossier, "04", seeded["alpha"].context, now=soon)
        assert body.startswith(b"%PDF")
        if (text := pdf_text(body)) is not None:
            assert forms.FORMS["04"] in text and dossier.code in text and "09/03/2026" in text  # original date
            assert "Chờ kết quả xác minh" in text and "Thành thật xin lỗi Ông/Bà." in text
            assert "12/03/2026" in text  # the new date: three working days after the due date, 9 March
        session.rollback()


def test_outside_the_unit_or_another_tenant_is_404_and_no_token_401(officer, host_client, seeded):
    admin = host_client(seeded["alpha"].host, seeded["alpha"].admin_token)
    in_b = receive(admin, seeded, unit="commune_b")
    assert form(officer, in_b, "01").status_code == 404  # officer of commune_a only
    assert_form(form(admin, in_b, "01"), "01", in_b)
    mine = receive(officer, seeded)
    beta = host_client(seeded["beta"].host, seeded["beta"].admin_token)
    assert form(beta, mine, "01").status_code == 404
    assert form(host_client(seeded["alpha"].host), mine, "01").status_code == 401
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert form(finance, mine, "01").status_code == 404


def test_register_for_the_unit_between_two_dates(officer, host_client, seeded):
    code = receive(officer, seeded)
    today = dt.datetime.now(VIETNAM).date()
    unit = seeded["alpha"].units["commune_a"]
    url = f"/api/v1/register.pdf?unit_id={unit}&from={today - dt.timedelta(days=1)}&to={today}"
    response = officer.get(url)
    assert_form(response, "07", code)
    commune_admin = host_client(seeded["alpha"].host, seeded["alpha"].tokens["commune_admin"])
    assert commune_admin.get(url).status_code == 200
    other = seeded["alpha"].units["commune_b"]
    assert officer.get(url.replace(f"unit_id={unit}", f"unit_id={other}")).status_code == 403
    finance = host_client(seeded["alpha"].host, seeded["alpha"].tokens["finance"])
    assert finance.get(url).status_code == 403
    backwards = f"/api/v1/register.pdf?unit_id={unit}&from={today}&to={today - dt.timedelta(days=1)}"
    assert officer.get(backwards).status_code == 422
    assert officer.get(f"/api/v1/register.pdf?unit_id={unit}").status_code == 422
    earlier = f"/api/v1/register.pdf?unit_id={unit}&from=2020-01-01&to=2020-01-31"
    if (text := pdf_text(officer.get(earlier).data)) is not None:
        assert code not in text and "Số hồ sơ: 0" in text


def test_qr_payload_carries_the_tt01_2023_fields(runtime, seeded):
    monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=VIETNAM)
    issuer = forms.Issuer(name="Tỉnh Alpha", display_name="Tỉnh Alpha", public_url="https://alpha.example.vn")
    with runtime.db.tenant_session(runtime.db.binding("alpha")) as session:
        dossier = intake_in(session, seeded, name="Trần Văn A", citizen_id="079090001111", now=monday)
        procedure = services.procedure_of(session, dossier)
        issued = monday + dt.timedelta(minutes=5)
        receipt = json.loads(forms.qr_payload(dossier, procedure, "01", issuer, issued))
        assert receipt["ma_ho_so"] == dossier.code
        assert receipt["ma_thu_tuc"] == MARRIAGE
        assert receipt["ma_dinh_danh"] == "079090001111"
        assert receipt["ten_van_ban"].startswith("Mẫu số 01: Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
        assert receipt["he_thong"] == "Motcua Cloud - Tỉnh Alpha"
        assert receipt["thoi_gian_phat_hanh"] == "2026-03-02T09:05:00+07:00"
        assert receipt["ngay_hen_tra"] == "2026-03-09T17:00:00+07:00"  # the appointment: 5 working days
        assert receipt["tra_cuu"] == f"https://alpha.example.vn/track/{dossier.code}"
        slip = json.loads(forms.qr_payload(dossier, procedure, "06", issuer, issued))
        assert "ngay_hen_tra" not in slip and slip["ma_ho_so"] == dossier.code
        assert slip["ten_van_ban"].startswith("Mẫu số 06: Phiếu kiểm soát")
        session.rollback()


def test_issuer_heads_the_form_with_the_province():
    assert forms.Issuer("Tỉnh Alpha", "Alpha", "h").agency == "UBND TỈNH ALPHA"
    assert forms.Issuer("Thành phố Huế", "Huế", "h").agency == "UBND THÀNH PHỐ HUẾ"
    assert forms.Issuer("Gia Lai", "Gia Lai", "h").agency == "UBND TỈNH GIA LAI"
