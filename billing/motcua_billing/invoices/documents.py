"""The invoice as a Vietnamese PDF (fpdf2, a Unicode TrueType font) and invoices as CSV.

The PDF is the vendor's statement of charges (hóa đơn / bảng kê); the legal e-invoice under Decree
123/2020 is issued by an e-invoice provider from the same figures (docs/billing.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF
from motcua_platform.directory.models import Tenant
from motcua_platform.i18n import format_date, format_number, vnd
from motcua_platform.rendering.pdf import find_font
from sqlalchemy.orm import Session

from motcua_billing.catalog.services import get_account
from motcua_billing.invoices.models import Invoice
from motcua_billing.rating import periods

STATUS_VI = {"draft": "Dự thảo", "finalized": "Đã phát hành", "paid": "Đã thanh toán", "void": "Đã hủy"}


# A VAT invoice is a Vietnamese legal document (Nghị định 123/2020/NĐ-CP): its wording, its amount in words,
# its numbers and dates are Vietnamese whatever the reader's language.
INVOICE_LOCALE = "vi"


def qty(value: Decimal) -> str:
    """A quantity as the invoice prints it: 1234.5 → '1.234,5'."""
    return format_number(value.normalize(), INVOICE_LOCALE)


def invoice_pdf(session: Session, invoice: Invoice, config) -> bytes:
    """The invoice as a Vietnamese PDF, with the province's billing account as buyer and the vendor from
    the configuration as seller (one place for the API and the CLI)."""
    tenant = session.get(Tenant, invoice.tenant_id)
    account = get_account(session, invoice.tenant_id)
    buyer = {
        "name": account.legal_name if account else f"UBND {tenant.name}",
        "tax_code": account.tax_code if account else None,
        "address": account.address if account else None,
    }
    seller = {
        "name": config.billing_seller_name,
        "tax_code": config.billing_seller_tax_code,
        "bank": config.billing_bank_account,
    }
    return render_pdf(invoice, seller=seller, buyer=buyer, font=find_font(config.pdf_font))


def render_pdf(invoice: Invoice, *, seller: dict, buyer: dict, font: Path) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("body", "", str(font))
    pdf.add_page()
    pdf.set_font("body", size=9)
    seller_tax = seller.get("tax_code") or "—"
    pdf.multi_cell(
        0,
        5,
        f"{seller['name']}\nMã số thuế: {seller_tax}\n{seller.get('address') or ''}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    pdf.set_font("body", size=16)
    pdf.cell(0, 10, "HÓA ĐƠN DỊCH VỤ", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("body", size=10)
    number = invoice.display_number or "(chưa phát hành)"
    issued = format_date(invoice.finalized_at, INVOICE_LOCALE) if invoice.finalized_at else "—"
    period = periods.Period(invoice.period_start, invoice.period_end)
    pdf.cell(0, 6, f"Số: {number}    Ngày phát hành: {issued}", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(
        0,
        6,
        f"Kỳ thanh toán: {period.label_vi()}    Trạng thái: {STATUS_VI.get(invoice.status, invoice.status)}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    pdf.multi_cell(
        0,
        5,
        f"Đơn vị mua: {buyer['name']}\nMã số thuế: {buyer.get('tax_code') or '—'}\n"
        f"Địa chỉ: {buyer.get('address') or '—'}\nĐồng tiền thanh toán: VND",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    widths = (10, 84, 26, 22, 38)
    headers = ("STT", "Nội dung", "Số lượng", "Đơn vị", "Thành tiền (đồng)")
    pdf.set_font("body", size=9)
    for width, header in zip(widths, headers, strict=True):
        pdf.cell(width, 7, header, border=1, align="C")
    pdf.ln()
    for line in invoice.lines:
        billed = line.billable_quantity if line.metric_code else line.quantity
        cells = (str(line.position), line.description, qty(billed), line.unit, vnd(line.amount_vnd, INVOICE_LOCALE))
        x, y = pdf.get_x(), pdf.get_y()
        pdf.multi_cell(widths[0], 6, cells[0], border=0)
        pdf.set_xy(x + widths[0], y)
        pdf.multi_cell(widths[1], 6, cells[1], border=0)
        height = pdf.get_y() - y
        pdf.set_xy(x + widths[0] + widths[1], y)
        for width, value, align in zip(widths[2:], cells[2:], ("R", "C", "R"), strict=True):
            pdf.cell(width, max(height, 6), value, border=0, align=align)
        pdf.set_xy(x, y)
        for width in widths:
            pdf.cell(width, max(height, 6), "", border=1)
        pdf.ln()
        if line.metric_code and line.included_quantity:
            pdf.set_font("body", size=7)
            pdf.cell(widths[0], 4, "")
            pdf.cell(
                widths[1],
                4,
                f"Tổng sử dụng {qty(line.quantity)}, trong hạn mức {qty(line.included_quantity)} (không tính phí)",
            )
            pdf.ln()
            pdf.set_font("body", size=9)
    pdf.ln(2)
    rate_text = f"{invoice.vat_rate.normalize():f}".replace(".", ",")
    for label, amount in (
        ("Cộng tiền dịch vụ", invoice.subtotal_vnd),
        (f"Thuế suất GTGT {rate_text}%: tiền thuế", invoice.vat_vnd),
        ("Tổng cộng thanh toán", invoice.total_vnd),
    ):
        pdf.cell(sum(widths[:-1]), 7, label, border=1, align="R")
        pdf.cell(widths[-1], 7, vnd(amount, INVOICE_LOCALE), border=1, align="R")
        pdf.ln()
    pdf.ln(2)
    pdf.multi_cell(0, 5, f"Số tiền viết bằng chữ: {amount_in_words(invoice.total_vnd)}.", new_x="LMARGIN", new_y="NEXT")
    if invoice.amount_paid_vnd:
        pdf.multi_cell(
            0, 5, f"Đã thanh toán: {vnd(invoice.amount_paid_vnd, INVOICE_LOCALE)} đồng.", new_x="LMARGIN", new_y="NEXT"
        )
    if seller.get("bank"):
        pdf.multi_cell(
            0, 5, f"Thanh toán chuyển khoản: {seller['bank']} — nội dung: {number}.", new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())


DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
UNITS = ["", " nghìn", " triệu", " tỷ", " nghìn tỷ", " triệu tỷ"]


def _three(n: int, full: bool) -> str:
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if ones and (full or hundreds):
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGITS[tens], "mươi"]
    if ones:
        if ones == 1 and tens > 1:
            words.append("mốt")
        elif ones == 5 and tens > 0:
            words.append("lăm")
        else:
            words.append(DIGITS[ones])
    return " ".join(words)


def amount_in_words(amount: int) -> str:
    """Vietnamese amount in words, as printed on invoices: 1.188.000.000 → 'Một tỷ một trăm tám mươi tám triệu đồng'."""
    if amount == 0:
        return "Không đồng"
    groups = []
    while amount:
        groups.append(amount % 1000)
        amount //= 1000
    parts = []
    for index in range(len(groups) - 1, -1, -1):
        if groups[index]:
            parts.append(_three(groups[index], full=index != len(groups) - 1) + UNITS[index])
    text = " ".join(parts).strip() + " đồng"
    return text[0].upper() + text[1:]


CSV_COLUMNS = (
    "invoice_id",
    "number",
    "tenant",
    "period_start",
    "period_end",
    "status",
    "line",
    "kind",
    "metric",
    "service_start",
    "service_end",
    "quantity",
    "included",
    "billable",
    "unit",
    "amount_vnd",
    "events",
    "subtotal_vnd",
    "vat_rate",
    "vat_vnd",
    "total_vnd",
    "paid_vnd",
    "finalized_at",
)


def invoices_csv(rows: Iterable[tuple[Invoice, str]]) -> str:
    """One row per invoice line, with the invoice's totals repeated (spreadsheet-friendly, UTF-8 with BOM)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for invoice, slug in rows:
        for line in invoice.lines:
            writer.writerow(
                (
                    invoice.id,
                    invoice.display_number or "",
                    slug,
                    invoice.period_start,
                    invoice.period_end,
                    invoice.status,
                    line.position,
                    line.kind,
                    line.metric_code or "",
                    line.service_start,
                    line.service_end,
                    line.quantity,
                    line.included_quantity,
                    line.billable_quantity,
                    line.unit,
                    line.amount_vnd,
                    line.event_count,
                    invoice.subtotal_vnd,
                    invoice.vat_rate,
                    invoice.vat_vnd,
                    invoice.total_vnd,
                    invoice.amount_paid_vnd,
                    invoice.finalized_at.isoformat() if invoice.finalized_at else "",
                )
            )
    return out.getvalue()
