"""The Vietnamese invoice PDF and the amount in words, without a database."""

import datetime as dt
import shutil
import subprocess
from decimal import Decimal as D
from types import SimpleNamespace as Row

import pytest
from motcua_billing.invoices import documents
from motcua_platform import i18n
from motcua_platform.rendering import pdf as fonts


def invoice():
    lines = [
        Row(
            included_quantity=D(0),
            metric_code=None,
            position=1,
            kind="lease",
            description="Phí thuê dịch vụ một cửa điện tử tháng 10/2026",
            quantity=D(1),
            billable_quantity=D(1),
            unit="tháng",
            amount_vnd=99_000_000,
        ),
        Row(
            position=2,
            kind="usage",
            metric_code="dossiers_received",
            description="Hồ sơ tiếp nhận tháng 10/2026",
            quantity=D(12000),
            included_quantity=D(10000),
            billable_quantity=D(2000),
            unit="hồ sơ",
            amount_vnd=1_200_000,
        ),
    ]
    return Row(
        display_number="MC2026-0000007",
        finalized_at=dt.datetime(2026, 11, 2, 3, tzinfo=dt.UTC),
        period_start=dt.date(2026, 10, 1),
        period_end=dt.date(2026, 11, 1),
        status="paid",
        lines=lines,
        vat_rate=D("10.00"),
        subtotal_vnd=100_200_000,
        vat_vnd=10_020_000,
        total_vnd=110_220_000,
        amount_paid_vnd=110_220_000,
    )


def test_pdf_with_every_optional_part(tmp_path):
    pdf = documents.render_pdf(
        invoice(),
        seller={"name": "Công ty Motcua Cloud", "tax_code": "0101234567", "bank": "Vietcombank 0011001234567"},
        buyer={"name": "Văn phòng UBND tỉnh Đắk Lắk", "tax_code": "6000123456", "address": "Số 9 Lê Duẩn"},
        font=fonts.find_font(),
    )
    assert pdf.startswith(b"%PDF")
    if shutil.which("pdftotext"):
        path = tmp_path / "invoice.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        for expected in ("Văn phòng UBND tỉnh Đắk Lắk", "Đã thanh toán", "Vietcombank", "110.220.000", "Đắk Lắk"):
            assert expected in text


def test_a_missing_font_is_explained(monkeypatch):
    monkeypatch.setattr(fonts, "FONT_CANDIDATES", ())
    monkeypatch.delenv("MOTCUA_PDF_FONT", raising=False)
    with pytest.raises(fonts.FontMissing, match="fonts-dejavu-core"):
        fonts.find_font("/nonexistent.ttf")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (105, "Một trăm linh năm đồng"),
        (1_005, "Một nghìn không trăm linh năm đồng"),
        (99_000_000, "Chín mươi chín triệu đồng"),
        (1_188_000_000, "Một tỷ một trăm tám mươi tám triệu đồng"),
    ],
)
def test_amount_in_words(amount, words):
    assert documents.amount_in_words(amount) == words


def test_vietnamese_number_formats():
    assert i18n.vnd(1_188_000_000, "vi") == "1.188.000.000"
    assert i18n.vnd(1_188_000_000, "en") == "1,188,000,000"
    assert documents.qty(D("12000.000000")) == "12.000"
    assert documents.qty(D("10.250000")) == "10,25"
