"""Upload checks that need no database: reading with a limit, hashing, sniffing, file names, GB."""

import hashlib
import io
from decimal import Decimal

import pytest
from motcua_onestop.dossiers.documents.services import PayloadTooLarge, display_name, gigabytes, spool
from motcua_platform.errors import InvalidInput


class CountingStream(io.BytesIO):
    def __init__(self, data):
        super().__init__(data)
        self.consumed = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.consumed += len(chunk)
        return chunk


def test_spool_hashes_and_sniffs():
    body = b"%PDF-1.4\n" + b"x" * 200_000
    spooled = spool(io.BytesIO(body), 1_000_000)
    assert spooled.size == len(body) and spooled.sha256 == hashlib.sha256(body).hexdigest()
    assert spooled.content_type == "application/pdf" and spooled.file.read() == body
    spooled.close()


def test_spool_reads_at_most_the_limit_plus_one_byte():
    stream = CountingStream(b"%PDF-" + b"x" * 10_000_000)
    with pytest.raises(PayloadTooLarge) as raised:
        spool(stream, 100_000)
    assert raised.value.status == 413 and stream.consumed == 100_001


@pytest.mark.parametrize(
    "body",
    [b"", b"MZ\x90\x00", b"PK\x03\x04 a zip or docx", b"GIF89a", b"%PD", b"  %PDF-1.4 leading spaces", b"\xff\xd8"],
)
def test_spool_refuses_empty_and_unknown_content(body):
    with pytest.raises(InvalidInput) as raised:
        spool(io.BytesIO(body), 1000)
    assert "file" in raised.value.errors


@pytest.mark.parametrize(
    ("body", "content_type"), [(b"\xff\xd8\xff\xdb...", "image/jpeg"), (b"\x89PNG\r\n\x1a\n...", "image/png")]
)
def test_image_types(body, content_type):
    spooled = spool(io.BytesIO(body), 100)
    assert spooled.content_type == content_type
    spooled.close()


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ("Tờ khai.pdf", "application/pdf", "Tờ khai.pdf"),
        ("C:\\Users\\a\\scan.PNG", "image/png", "scan.PNG"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ('evil";.html', "application/pdf", "evil_.pdf"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg"),
        ("report.pdf.exe", "application/pdf", "report.pdf.pdf"),
        ("", "image/png", "tai-lieu.png"),
        (None, "application/pdf", "tai-lieu.pdf"),
        ("a\r\nContent-Type: text/html", "application/pdf", "html.pdf"),
        ("a\r\nb;c.pdf", "application/pdf", "a_b_c.pdf"),
    ],
)
def test_display_name(raw, content_type, expected):
    assert display_name(raw, content_type) == expected


def test_gigabytes_round_up_to_the_ledger_precision():
    assert gigabytes(1) == Decimal("0.000001")
    assert gigabytes(1000) == Decimal("0.000001")
    assert gigabytes(1001) == Decimal("0.000002")
    assert gigabytes(510_250_000_000) == Decimal("510.250000")
