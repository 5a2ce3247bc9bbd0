"""Printable forms of TT 03/2025 Annex I as Vietnamese PDFs (fpdf2, the DejaVu font billing finds):
01–06 for one dossier, 07 (the register) for a unit between two dates. Each carries a QR code in its
top-left corner with the TT 01/2023 Art. 26 fields and the public tracking URL.

No Flask here: callers pass the tenant's session, the tenant (name / display_name), the host and the font.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.fonts import FontFace
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from motcua_platform.rendering.money import vnd
from motcua_platform.rendering.pdf import find_font
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.extensions import services as extensions
from motcua_onestop.dossiers.extensions.models import DossierExtension
from motcua_onestop.dossiers.models import Dossier, DossierHistory, Status
from motcua_onestop.units.models import Unit

ISSUING_SYSTEM = "Motcua Cloud"
MAX_REGISTER_DAYS = 366

# number → (title printed on the form, short name for the QR "document name")
FORMS: dict[str, str] = {
    "01": "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT",
    "05": "THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ",
    "06": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "07": "SỔ THEO DÕI HỒ SƠ",
}
DOSSIER_FORMS = ("01", "02", "03", "04", "05", "06")
# The forms addressed to the applicant, which the owner of a dossier downloads too: the receipt (01), the
# supplement request (02), the refusal (03), the apology and extension (04), the stop notice (05). The
# control slip (06) and the register (07) are the administration's own records.
APPLICANT_FORMS = ("01", "02", "03", "04", "05")
TIME_UNITS_VI = {"hours": "giờ", "days": "ngày", "working_days": "ngày làm việc", "months": "tháng"}
ACTION_VI = {
    "intake_online": "Nộp trực tuyến",
    "intake_counter": "Tiếp nhận tại quầy",
    "intake_postal": "Tiếp nhận qua bưu chính",
    **{action: dossiers.STATUS_NAMES[status] for status, action in dossiers.ACTIONS.items()},
    "supplement_done": "Công dân đã bổ sung hồ sơ",
    "step_claim": "Nhận xử lý bước",
    "step_complete": "Hoàn thành bước",
    "step_handoff": "Chuyển bước",
    "comment": "Ý kiến",
    "extend": "Gia hạn, xin lỗi",
    "late_notice": "Thông báo trễ hạn",
}


@dataclass(frozen=True)
class Issuer:
    """Who prints the form: the province (``name`` like "Tỉnh Alpha") and the host its tracking URL uses."""

    name: str
    display_name: str
    host: str

    @property
    def agency(self) -> str:
        name = self.name.strip()
        lowered = name.lower()
        if not (lowered.startswith("tỉnh ") or lowered.startswith("thành phố ")):
            name = f"Tỉnh {name}"
        return f"UBND {name}".upper()

    @property
    def system(self) -> str:
        return f"{ISSUING_SYSTEM} - {self.display_name}"

    def tracking_url(self, code: str) -> str:
        return f"https://{self.host}/api/v1/track/{code}"


def issuer_of(tenant_info: Any, host: str) -> Issuer:
    return Issuer(name=tenant_info.name, display_name=tenant_info.display_name or tenant_info.name, host=host)


# -- formatting ------------------------------------------------------------------------------------
def _day(moment: dt.datetime | None) -> str:
    return moment.astimezone(VIETNAM).strftime("%d/%m/%Y") if moment else "—"


def _minute(moment: dt.datetime | None) -> str:
    return moment.astimezone(VIETNAM).strftime("%H giờ %M, ngày %d/%m/%Y") if moment else "—"


def _status(value: int) -> str:
    return dossiers.STATUS_NAMES[Status(value)]


# -- which form applies ----------------------------------------------------------------------------
def _last(entries: Sequence[DossierHistory], to_status: Status) -> DossierHistory | None:
    found = [h for h in entries if h.to_status == to_status]
    return found[-1] if found else None


def check_applies(
    dossier: Dossier,
    number: str,
    entries: Sequence[DossierHistory],
    now: dt.datetime,
    extension: DossierExtension | None = None,
) -> None:
    """Conflict (409) with a clear message when form ``number`` does not fit the dossier's state
    (``extension``: the dossier's latest stored extension, which form 04 prints)."""
    state = f"dossier {dossier.code} is in status {dossier.status} ({_status(dossier.status)})"
    if number in ("01", "06") and dossier.received_at is None:
        raise Conflict(f"Form {number} applies only to a received dossier; {state} and was never received.")
    if number == "02" and _last(entries, Status.SUPPLEMENT) is None:
        raise Conflict(f"Form 02 applies only to a dossier asked for a supplement; {state} and never was.")
    if number == "03" and dossier.status != Status.REFUSED:
        raise Conflict(f"Form 03 applies only to a refused dossier (status 3); {state}.")
    if number == "05" and dossier.status != Status.STOPPED:
        raise Conflict(f"Form 05 applies only to a dossier whose processing stopped (status 8); {state}.")
    if number == "04" and extension is None:
        raise Conflict(
            f"Form 04 (apology and extension) prints a stored extension and dossier {dossier.code} has none; "
            f"extend it first (POST /api/v1/dossiers/{dossier.code}/extensions with the reason and apology)."
        )


# -- QR --------------------------------------------------------------------------------------------
def qr_payload(
    dossier: Dossier,
    procedure: Procedure,
    number: str,
    issuer: Issuer,
    issued_at: dt.datetime,
) -> str:
    """The QR content (TT 01/2023 Art. 26): dossier code, procedure code, applicant identifier, document
    name, issuing system, issue time; the receipt (01) adds the appointment date; plus the tracking URL."""
    content: dict[str, str] = {
        "ma_ho_so": dossier.code,
        "ma_thu_tuc": procedure.code,
        "ma_dinh_danh": dossier.applicant_citizen_id or "",
        "ten_van_ban": f"Mẫu số {number}: {FORMS[number].capitalize()}",
        "he_thong": issuer.system,
        "thoi_gian_phat_hanh": issued_at.astimezone(VIETNAM).isoformat(timespec="seconds"),
    }
    if number == "01":
        content["ngay_hen_tra"] = _appointment(dossier).astimezone(VIETNAM).isoformat(timespec="seconds")
    content["tra_cuu"] = issuer.tracking_url(dossier.code)
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"))


def register_qr_payload(unit: Unit, since: dt.date, until: dt.date, issuer: Issuer, issued_at: dt.datetime) -> str:
    return json.dumps(
        {
            "ma_don_vi": unit.code,
            "ten_van_ban": f"Mẫu số 07: {FORMS['07'].capitalize()}",
            "tu_ngay": since.isoformat(),
            "den_ngay": until.isoformat(),
            "he_thong": issuer.system,
            "thoi_gian_phat_hanh": issued_at.astimezone(VIETNAM).isoformat(timespec="seconds"),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _draw_qr(pdf: FPDF, payload: str, x: float, y: float, size: float) -> None:
    code = segno.make(payload, error="m", micro=False)
    matrix = code.matrix
    module = size / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row, cells in enumerate(matrix):
        for col, dark in enumerate(cells):
            if dark & 1:
                pdf.rect(x + col * module, y + row * module, module, module, style="F")


# -- layout ----------------------------------------------------------------------------------------
QR_SIZE = 28.0


def _new_pdf(font: Path, orientation: str = "P") -> FPDF:
    pdf = FPDF(orientation=orientation, format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("body", "", str(font))
    pdf.add_page()
    return pdf


def _header(pdf: FPDF, issuer: Issuer, unit_name: str, number: str, payload: str) -> None:
    left = pdf.l_margin
    top = pdf.t_margin
    _draw_qr(pdf, payload, left, top, QR_SIZE)
    usable = pdf.w - pdf.r_margin - left - QR_SIZE - 4
    col = usable / 2
    x0 = left + QR_SIZE + 4
    pdf.set_font("body", size=9)
    pdf.set_xy(x0, top)
    pdf.multi_cell(col, 4.5, f"{issuer.agency}\n{unit_name.upper()}", align="C")
    pdf.set_xy(x0 + col, top)
    pdf.multi_cell(col, 4.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", align="C")
    pdf.set_xy(x0 + col, pdf.get_y())
    pdf.set_font("body", size=8)
    pdf.cell(col, 5, f"Mẫu số {number} - Phụ lục I, Thông tư 03/2025/TT-VPCP", align="C")
    pdf.set_xy(left, top + QR_SIZE + 4)
    pdf.set_font("body", size=14)
    pdf.multi_cell(0, 7, FORMS[number], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("body", size=10)


def _line(pdf: FPDF, label: str, value: str) -> None:
    pdf.multi_cell(0, 6, f"{label}: {value}", align="L", new_x="LMARGIN", new_y="NEXT")


def _paragraph(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, 6, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _appointment(dossier: Dossier) -> dt.datetime | None:
    return dossier.effective_due_at


def _dossier_block(pdf: FPDF, dossier: Dossier, procedure: Procedure) -> None:
    _line(pdf, "Mã hồ sơ", dossier.code)
    _line(pdf, "Thủ tục hành chính", f"{procedure.name_vi} (mã {procedure.code}, phiên bản {procedure.version})")
    applicant = dossier.applicant_name
    if dossier.applicant_citizen_id:
        applicant += f" - Số định danh cá nhân: {dossier.applicant_citizen_id}"
    _line(pdf, "Người nộp hồ sơ", applicant)
    if dossier.applicant_contact:
        _line(pdf, "Liên hệ", dossier.applicant_contact)


def _documents(pdf: FPDF, procedure: Procedure) -> None:
    _paragraph(pdf, "Thành phần hồ sơ:")
    for index, document in enumerate(procedure.documents or [], start=1):
        kind = "bản chính" if document.get("original") else "bản sao"
        _paragraph(pdf, f"  {index}. {document.get('name', '')} ({kind}, số lượng: {document.get('count', 1)})")
    if not procedure.documents:
        _paragraph(pdf, "  (không có)")


def _fees(pdf: FPDF, dossier: Dossier) -> None:
    _paragraph(pdf, "Phí, lệ phí:")
    for fee in dossier.fees or []:
        note = f" ({fee['note']})" if fee.get("note") else ""
        _paragraph(pdf, f"  - {fee['name']}: {vnd(int(fee['amount']))} đồng{note}")
    _line(pdf, "Tổng phí, lệ phí", f"{vnd(int(dossier.total_fee))} đồng")


def _signature(pdf: FPDF, who: str, issued_at: dt.datetime) -> None:
    pdf.ln(4)
    local = issued_at.astimezone(VIETNAM)
    half = (pdf.w - pdf.l_margin - pdf.r_margin) / 2
    pdf.set_x(pdf.l_margin + half)
    pdf.multi_cell(
        half,
        6,
        f"Ngày {local:%d} tháng {local:%m} năm {local:%Y}\n{who}\n(Ký, ghi rõ họ tên)",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )


def _comment(entry: DossierHistory | None) -> str:
    return (entry.comment or "").strip() if entry else ""


def _body(
    pdf: FPDF,
    number: str,
    dossier: Dossier,
    procedure: Procedure,
    entries,
    unit_name: str,
    now,
    tracking_url: str,
    extension: DossierExtension | None = None,
) -> None:
    if number == "01":
        _paragraph(pdf, f"{unit_name} đã tiếp nhận hồ sơ của:")
        _dossier_block(pdf, dossier, procedure)
        _line(pdf, "Thời gian tiếp nhận", _minute(dossier.received_at))
        _documents(pdf, procedure)
        _fees(pdf, dossier)
        _line(
            pdf,
            "Thời gian giải quyết",
            f"{procedure.time_limit_value} {TIME_UNITS_VI.get(procedure.time_limit_unit, procedure.time_limit_unit)}",
        )
        _line(pdf, "Thời gian hẹn trả kết quả", _minute(_appointment(dossier)))
        _line(pdf, "Tra cứu tình trạng hồ sơ", f"quét mã QR hoặc truy cập {tracking_url}")
        _signature(pdf, "NGƯỜI TIẾP NHẬN HỒ SƠ", now)
    elif number == "02":
        entry = _last(entries, Status.SUPPLEMENT)
        _paragraph(pdf, f"{unit_name} đã tiếp nhận hồ sơ của:")
        _dossier_block(pdf, dossier, procedure)
        _line(pdf, "Ngày nộp hồ sơ", _minute(dossier.submitted_at))
        _line(pdf, "Thời gian yêu cầu bổ sung", _minute(entry.at if entry else None))
        _paragraph(pdf, "Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:")
        _paragraph(pdf, f"  {_comment(entry)}")
        _documents(pdf, procedure)
        _paragraph(pdf, "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ bộ phận tiếp nhận.")
        _signature(pdf, "NGƯỜI HƯỚNG DẪN", now)
    elif number == "03":
        entry = _last(entries, Status.REFUSED)
        _paragraph(pdf, f"{unit_name} đã nhận hồ sơ của:")
        _dossier_block(pdf, dossier, procedure)
        _line(pdf, "Ngày nộp hồ sơ", _minute(dossier.submitted_at))
        _paragraph(pdf, "Qua xem xét, hồ sơ không đủ điều kiện tiếp nhận, giải quyết với lý do:")
        _paragraph(pdf, f"  {_comment(entry)}")
        _line(pdf, "Thời gian từ chối", _minute(entry.at if entry else None))
        _signature(pdf, "NGƯỜI TIẾP NHẬN HỒ SƠ", now)
    elif number == "04":
        assert extension is not None  # check_applies
        _paragraph(pdf, f"Kính gửi: Ông/Bà {dossier.applicant_name}")
        _dossier_block(pdf, dossier, procedure)
        _line(pdf, "Ngày tiếp nhận", _minute(dossier.received_at))
        _line(pdf, "Thời hạn trả kết quả ban đầu", _minute(dossier.due_at))
        if extension.previous_due_at != dossier.due_at:  # moved before by supplement pauses or extensions
            _line(pdf, "Thời hạn trả kết quả trước khi gia hạn", _minute(extension.previous_due_at))
        _paragraph(
            pdf,
            f"{unit_name} xin lỗi ông/bà vì hồ sơ chưa được giải quyết đúng thời hạn và đề nghị gia hạn "
            "thời gian giải quyết.",
        )
        _line(pdf, "Lý do chậm", extension.reason)
        _line(pdf, "Lời xin lỗi", extension.apology)
        _line(pdf, "Thời gian hẹn trả kết quả mới", _minute(extension.new_due_at))
        _line(pdf, "Ngày gia hạn", _minute(extension.at))
        _signature(pdf, "THỦ TRƯỞNG CƠ QUAN", now)
    elif number == "05":
        entry = _last(entries, Status.STOPPED)
        _paragraph(pdf, f"Kính gửi: Ông/Bà {dossier.applicant_name}")
        _dossier_block(pdf, dossier, procedure)
        _line(pdf, "Ngày tiếp nhận", _minute(dossier.received_at or dossier.submitted_at))
        _paragraph(pdf, f"{unit_name} thông báo dừng giải quyết hồ sơ nêu trên với lý do:")
        _paragraph(pdf, f"  {_comment(entry)}")
        _line(pdf, "Thời gian dừng", _minute(entry.at if entry else None))
        _signature(pdf, "THỦ TRƯỞNG CƠ QUAN", now)
    elif number == "06":
        _dossier_block(pdf, dossier, procedure)
        _line(pdf, "Thời gian tiếp nhận", _minute(dossier.received_at))
        _line(pdf, "Thời gian hẹn trả kết quả", _minute(_appointment(dossier)))
        if dossier.extended_due_at is not None:
            _line(pdf, "Thời hạn trả kết quả ban đầu", _minute(dossier.due_at))
        _line(pdf, "Trạng thái hiện tại", _status(dossier.status))
        pdf.ln(2)
        _table(
            pdf,
            (10, 42, 48, 50, 40),
            ("STT", "Thời gian", "Hoạt động", "Người thực hiện", "Ghi chú"),
            [
                (str(i), _minute(h.at), ACTION_VI.get(h.action, h.action), h.actor, h.comment or "")
                for i, h in enumerate(entries, start=1)
            ],
        )


def _table(pdf: FPDF, widths: Sequence[float], headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    pdf.set_font("body", size=8)
    heading = FontFace(emphasis="", fill_color=(230, 230, 230))
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=5, headings_style=heading) as table:
        head = table.row()
        for header in headers:
            head.cell(header)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.set_font("body", size=10)


# -- entry points ----------------------------------------------------------------------------------
def check_applicant_form(number: str) -> None:
    """Forbidden unless form ``number`` is one the applicant receives (``APPLICANT_FORMS``)."""
    if number in DOSSIER_FORMS and number not in APPLICANT_FORMS:
        raise Forbidden(
            f"Form {number} is the administration's internal record; the applicant receives forms "
            f"{', '.join(APPLICANT_FORMS)}."
        )


def render_form(
    session: Session,
    dossier: Dossier,
    number: str,
    tenant_info: Any,
    *,
    host: str,
    font: Path | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Form ``number`` (01–06) for ``dossier`` as PDF bytes; a Conflict when it does not fit the state."""
    if number not in DOSSIER_FORMS:
        raise NotFound(f"No form {number}; dossier forms are {', '.join(DOSSIER_FORMS)} (07 is the register).")
    now = now or utcnow()
    entries = dossiers.history(session, dossier)
    extension = extensions.latest(session, dossier) if number == "04" else None
    check_applies(dossier, number, entries, now, extension)
    issuer = issuer_of(tenant_info, host)
    procedure = dossiers.procedure_of(session, dossier)
    unit = session.get(Unit, dossier.receiving_unit_id)
    pdf = _new_pdf(font or find_font())
    pdf.set_title(f"Mẫu số {number} - {dossier.code}")
    pdf.set_creator(issuer.system)
    _header(pdf, issuer, unit.name, number, qr_payload(dossier, procedure, number, issuer, now))
    _body(pdf, number, dossier, procedure, entries, unit.name, now, issuer.tracking_url(dossier.code), extension)
    return bytes(pdf.output())


def register_rows(session: Session, unit_id: int, since: dt.date, until: dt.date) -> list[tuple[Dossier, str]]:
    """Dossiers submitted to ``unit_id`` between ``since`` and ``until`` (Vietnam-local days, inclusive)."""
    start = dt.datetime.combine(since, dt.time.min, VIETNAM)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, VIETNAM)
    query = (
        select(Dossier, Procedure.code)
        .join(Procedure, Procedure.id == Dossier.procedure_id)
        .where(Dossier.receiving_unit_id == unit_id, Dossier.submitted_at >= start, Dossier.submitted_at < end)
        .order_by(Dossier.submitted_at, Dossier.id)
    )
    return [(row[0], row[1]) for row in session.execute(query)]


def check_period(since: dt.date, until: dt.date) -> None:
    if until < since:
        raise InvalidInput("The period is empty.", {"to": ["Must be on or after 'from'."]})
    if (until - since).days >= MAX_REGISTER_DAYS:
        raise InvalidInput("The period is too long.", {"to": [f"At most {MAX_REGISTER_DAYS} days after 'from'."]})


def render_register(
    session: Session,
    unit_id: int,
    since: dt.date,
    until: dt.date,
    tenant_info: Any,
    *,
    host: str,
    font: Path | None = None,
    now: dt.datetime | None = None,
) -> bytes:
    """Form 07, the dossier register of ``unit_id`` between ``since`` and ``until`` (inclusive)."""
    check_period(since, until)
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"No unit {unit_id}.")
    now = now or utcnow()
    issuer = issuer_of(tenant_info, host)
    rows = register_rows(session, unit_id, since, until)
    pdf = _new_pdf(font or find_font(), orientation="L")
    pdf.set_title(f"Mẫu số 07 - {unit.code}")
    pdf.set_creator(issuer.system)
    _header(pdf, issuer, unit.name, "07", register_qr_payload(unit, since, until, issuer, now))
    _paragraph(pdf, f"Từ ngày {since:%d/%m/%Y} đến ngày {until:%d/%m/%Y} - Số hồ sơ: {len(rows)}")
    pdf.ln(2)
    _table(
        pdf,
        (10, 48, 62, 42, 28, 28, 28, 31),
        ("STT", "Mã hồ sơ", "Thủ tục", "Người nộp", "Ngày nhận", "Hẹn trả", "Ngày trả", "Tình trạng"),
        [
            (
                str(i),
                d.code,
                code,
                d.applicant_name,
                _day(d.received_at or d.submitted_at),
                _day(d.effective_due_at),
                _day(d.returned_at),
                _status(d.status),
            )
            for i, (d, code) in enumerate(rows, start=1)
        ],
    )
    return bytes(pdf.output())
