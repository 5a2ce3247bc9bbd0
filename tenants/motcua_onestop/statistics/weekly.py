"""The weekly report's contents and files: the week before the report day, per agency and for the province, as
an XLSX workbook (openpyxl, with a native chart) and a PDF with charts (fpdf2), in Vietnamese (a report to
the province's leadership, whatever the reader's language). No I/O but the statements that read the figures.

The week: the seven days that end the day before the report is made (made on Friday 4 December, it covers
Friday 27 November to Thursday 3 December), so that every day in it is over when it is counted."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace
from motcua_platform.i18n import use_locale
from motcua_platform.timezones import VIETNAM
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from motcua_onestop.statistics import indicators, periods, ranking, services
from motcua_onestop.statistics.services import Slice

# (field of a row, heading in the report); the rates are the QĐ 766 indicators of the row's dossiers
COLUMNS = (
    ("received", "Tiếp nhận"),
    ("received_online", "Trực tuyến"),
    ("received_counter", "Trực tiếp"),
    ("received_postal", "Bưu chính"),
    ("online_rate", "Tỷ lệ trực tuyến (%)"),
    ("resolved", "Đã giải quyết"),
    ("resolved_early", "Trước hạn"),
    ("resolved_on_time", "Đúng hạn"),
    ("resolved_late", "Trễ hạn"),
    ("on_time_rate", "Đúng hạn (2.1, %)"),
    ("pending", "Đang giải quyết"),
    ("pending_past_due", "Quá hạn"),
    ("digitised_rate", "Số hóa (4.2, %)"),
)
FIELDS = tuple(field for field, _heading in COLUMNS)
PROVINCE_ROW = "Toàn tỉnh"
REPORT_LOCALE = "vi"  # a report to the province's leadership: Vietnamese whatever the reader's language


def week_before(run_day: dt.date) -> periods.Period:
    """The seven days that end the day before ``run_day``."""
    return periods.custom(run_day - dt.timedelta(days=7), run_day - dt.timedelta(days=1))


@dataclass(frozen=True)
class WeeklyFigures:
    province: str
    period: periods.Period
    made_at: dt.datetime
    rows: list[tuple[str, dict]]  # (agency, its figures), busiest first
    total: dict
    scorecard: dict


def figures(session: Session, province: str, period: periods.Period, enabled, *, now: dt.datetime) -> WeeklyFigures:
    """The week's figures: each agency's (its units' dossiers added up) and the province's, and the
    province's QĐ 766 scorecard."""
    units = ranking.unit_rows(session)
    owner = ranking.agencies(units)
    names = {unit_id: row.name for unit_id, row in units.items()}
    by_agency = ranking.agency_counts(session, period, Slice(), owner, now=now)
    rows = [(names.get(key, str(key)), _row(counts)) for key, counts in by_agency.items()]
    rows.sort(key=lambda item: (-item[1]["received"], item[0]))
    total = _row(services.totals(by_agency.values()))
    with use_locale(REPORT_LOCALE):  # the indicators' names and notes, as the report prints them
        card = indicators.province_scorecard(session, period, Slice(), enabled, now=now)
    return WeeklyFigures(province, period, now, rows, total, card)


def _row(counts: dict) -> dict:
    shown = services.published({**counts, "key": None})
    parts = indicators.dossier_parts(counts)
    return shown | {
        "online_rate": services.rate(*parts["3.3"]),
        "on_time_rate": services.rate(*parts["2.1"]),
        "digitised_rate": services.rate(*parts["4.2"]),
    }


def _title(week: WeeklyFigures) -> list[str]:
    first, last = week.period.first_day, week.period.last_day
    return [
        f"{week.province.upper()}",
        "BÁO CÁO TUẦN VỀ TIẾP NHẬN VÀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        f"Từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}",
        f"Lập lúc {week.made_at.astimezone(VIETNAM):%H:%M ngày %d/%m/%Y}",
    ]


def _cell(value) -> object:
    return "–" if value is None else value


def _put(sheet, row: int, column: int, value):
    """Write ``value`` into a cell as what it is: text stays text even when it starts like a formula (a unit
    named "=HYPERLINK(…)" by an admin must not become a live formula in a report sent to the leadership)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


# -- XLSX -----------------------------------------------------------------------------------------------
def to_xlsx(week: WeeklyFigures) -> bytes:
    """The workbook: the table by agency with the province's total and a bar chart of each agency's intake
    (sheet "Tổng hợp"), and the QĐ 766 indicators (sheet "Chỉ số 766")."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Tổng hợp"
    for number, line in enumerate(_title(week), start=1):
        _put(sheet, number, 1, line).font = Font(bold=number <= 2, size=13 if number == 2 else 11)
    header_row = 6
    headings = ["Cơ quan, đơn vị", *(heading for _field, heading in COLUMNS)]
    for column, heading in enumerate(headings, start=1):
        cell = sheet.cell(row=header_row, column=column, value=heading)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE3EA")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    row_number = header_row
    for name, row in week.rows:
        row_number += 1
        _put(sheet, row_number, 1, name)
        for column, field in enumerate(FIELDS, start=2):
            _put(sheet, row_number, column, _cell(row[field]))
    last_agency_row = row_number
    row_number += 1
    sheet.cell(row=row_number, column=1, value=PROVINCE_ROW).font = Font(bold=True)
    for column, field in enumerate(FIELDS, start=2):
        sheet.cell(row=row_number, column=column, value=_cell(week.total[field])).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 38
    for column in range(2, len(headings) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 13
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    if week.rows:
        chart = BarChart()
        chart.type = "bar"
        chart.title = "Hồ sơ tiếp nhận trong tuần theo đơn vị"
        chart.y_axis.title = "Hồ sơ"
        chart.add_data(Reference(sheet, min_col=2, min_row=header_row, max_row=last_agency_row), titles_from_data=True)
        chart.set_categories(Reference(sheet, min_col=1, min_row=header_row + 1, max_row=last_agency_row))
        chart.height = max(7.5, 0.6 * len(week.rows))
        chart.width = 18
        sheet.add_chart(chart, f"A{row_number + 3}")

    scores = book.create_sheet("Chỉ số 766")
    headings = ["Chỉ số", "Tên", "Tỷ lệ (%)", "Tử số", "Mẫu số", "Điểm", "Điểm tối đa", "Ghi chú"]
    for column, heading in enumerate(headings, start=1):
        scores.cell(row=1, column=column, value=heading).font = Font(bold=True)
    for number, item in enumerate(week.scorecard["indicators"], start=2):
        values = [
            item["id"],
            item["name"],
            _cell(item["value"]),
            _cell(item["numerator"]),
            _cell(item["denominator"]),
            _cell(float(item["score"]) if item["score"] is not None else None),
            _cell(float(item["points"]) if item["points"] is not None else None),
            item["why"] or "",
        ]
        for column, value in enumerate(values, start=1):
            _put(scores, number, column, value)
    total_row = len(week.scorecard["indicators"]) + 3
    scores.cell(row=total_row, column=2, value="Tổng điểm (trên số điểm tính được)").font = Font(bold=True)
    scores.cell(row=total_row, column=6, value=_cell(_float(week.scorecard["score"])))
    scores.cell(row=total_row, column=7, value=float(week.scorecard["scored_points"]))
    scores.column_dimensions["B"].width = 60
    scores.column_dimensions["H"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _float(value) -> float | None:
    return None if value is None else float(value)


# -- PDF ------------------------------------------------------------------------------------------------
BAR_COLOUR = (26, 79, 156)
LATE_COLOUR = (180, 35, 24)
TRACK_COLOUR = (233, 236, 239)
HEADINGS = FontFace(emphasis=None, fill_color=(221, 227, 234))  # one face loaded: headings set apart by a fill


def to_pdf(week: WeeklyFigures, font: Path) -> bytes:
    """The report as an A4 PDF: the province's key figures, two bar charts (intake by agency; each agency's
    on-time rate), the table by agency and the QĐ 766 indicators."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("body", "", str(font))
    pdf.set_title(f"Báo cáo tuần {week.period.first_day:%d/%m/%Y} - {week.period.last_day:%d/%m/%Y}")
    pdf.set_creator("Motcua Cloud")
    pdf.add_page()
    pdf.set_font("body", size=10)
    for number, line in enumerate(_title(week)):
        pdf.set_font("body", size=13 if number == 1 else 10)
        pdf.cell(0, 7 if number == 1 else 5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    total = week.total
    pdf.set_font("body", size=10)
    facts = [
        f"Tiếp nhận: {total['received']} hồ sơ (trực tuyến {total['received_online']}, tỷ lệ "
        f"{_cell(total['online_rate'])} %)",
        f"Đã giải quyết: {total['resolved']} (trước hạn {total['resolved_early']}, đúng hạn "
        f"{total['resolved_on_time']}, trễ hạn {total['resolved_late']}); "
        f"đúng hạn (2.1): {_cell(total['on_time_rate'])} %",
        f"Đang giải quyết: {total['pending']}, trong đó quá hạn {total['pending_past_due']}; "
        f"số hóa (4.2): {_cell(total['digitised_rate'])} %",
        f"Điểm QĐ 766: {_cell(_float(week.scorecard['score']))} trên {float(week.scorecard['scored_points'])} "
        "điểm tính được",
    ]
    for line in facts:
        pdf.multi_cell(0, 5, "• " + line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    top = week.rows[:20]
    _bars(pdf, "Hồ sơ tiếp nhận theo đơn vị (20 đơn vị nhiều nhất)", [(n, r["received"]) for n, r in top], None)
    _bars(pdf, "Tỷ lệ đúng hạn (2.1, %) theo đơn vị", [(n, r["on_time_rate"]) for n, r in top], 100)
    pdf.add_page(orientation="L")
    pdf.set_font("body", size=11)
    pdf.cell(0, 7, "Số liệu theo cơ quan, đơn vị", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", size=7)
    headings = ("Cơ quan, đơn vị", *(heading for _field, heading in COLUMNS))
    widths = (58, *([16] * len(COLUMNS)))
    aligned = ("LEFT", *(["RIGHT"] * len(COLUMNS)))
    with pdf.table(col_widths=widths, text_align=aligned, line_height=4, headings_style=HEADINGS) as table:
        table.row(headings)
        for name, row in [*week.rows, (PROVINCE_ROW, week.total)]:
            table.row([name, *(str(_cell(row[field])) for field in FIELDS)])
    pdf.add_page()
    pdf.set_font("body", size=11)
    pdf.cell(0, 7, "Chỉ số QĐ 766/QĐ-TTg", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", size=7.5)
    widths = (12, 70, 18, 20, 20, 50)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=4, headings_style=HEADINGS) as table:
        table.row(("Chỉ số", "Tên", "Tỷ lệ (%)", "Tử số/Mẫu số", "Điểm", "Ghi chú"))
        for item in week.scorecard["indicators"]:
            ratio = f"{item['numerator']}/{item['denominator']}" if item["numerator"] is not None else ""
            scored = f"{item['score']}/{item['points']}" if item["score"] is not None else "–"
            table.row((item["id"], item["name"], str(_cell(item["value"])), ratio, scored, item["why"] or ""))
    data = bytes(pdf.output())
    return data


def _bars(pdf: FPDF, title: str, items: list[tuple[str, float | None]], scale: float | None) -> None:
    """A horizontal bar chart: each item's name, its bar and its value written beside it."""
    pdf.set_font("body", size=10)
    pdf.cell(0, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", size=7.5)
    if not items:
        pdf.cell(0, 5, "Không có số liệu.", new_x="LMARGIN", new_y="NEXT")
        return
    largest = scale or max((value or 0) for _name, value in items) or 1
    left, label_width, bar_width, height = pdf.l_margin, 62, 100, 4.2
    for name, value in items:
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_xy(left, y)
        pdf.cell(label_width, height, name[:48])
        pdf.set_fill_color(*TRACK_COLOUR)
        pdf.rect(left + label_width, y + 0.6, bar_width, height - 1.2, style="F")
        if value:
            colour = LATE_COLOUR if scale == 100 and value < 80 else BAR_COLOUR
            pdf.set_fill_color(*colour)
            pdf.rect(left + label_width, y + 0.6, bar_width * min(value / largest, 1), height - 1.2, style="F")
        pdf.set_xy(left + label_width + bar_width + 2, y)
        pdf.cell(20, height, "–" if value is None else f"{value:g}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_fill_color(255, 255, 255)  # the tables after fill their cells with the current colour
    pdf.ln(3)
