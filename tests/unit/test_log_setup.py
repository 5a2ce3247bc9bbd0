"""The one logging set-up (motcua_platform.log_setup), in a fresh process as a worker or the CLI starts:
MOTCUA_LOG_LEVEL is honoured, the log SMS provider's line is printed, and fontTools' subsetting lines are not."""

import subprocess
import sys
import textwrap

import pytest
from motcua_platform.rendering import pdf

SCRIPT = textwrap.dedent(
    """
    import sys
    from fpdf import FPDF
    from motcua_platform.log_setup import configure_logging
    from motcua_onestop.notifications.interfaces import LogSmsProvider

    configure_logging(sys.argv[1])
    LogSmsProvider().send("0901234567", "Hồ sơ X-1 đã được tiếp nhận", reference="ref-1")
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("body", fname=sys.argv[2])
    pdf.set_font("body", size=12)
    pdf.cell(text="Văn phòng UBND tỉnh Đắk Lắk")
    assert pdf.output().startswith(b"%PDF")  # embedding the font subsets it with fontTools
    """
)


def run(level: str) -> str:
    try:
        font = pdf.find_font()
    except pdf.FontMissing as exc:
        pytest.skip(str(exc))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, level, str(font)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_info_prints_our_lines_and_not_the_font_subsetting():
    output = run("INFO")
    assert "INFO motcua_onestop.notifications.interfaces: SMS to 0901234567 (ref-1)" in output
    assert "fontTools" not in output  # without the set-up's quiet list: ~25 INFO lines per PDF


def test_the_level_is_honoured():
    assert "SMS to" not in run("WARNING")
    assert "fontTools" not in run("DEBUG")  # library noise stays quiet even when debugging our code
