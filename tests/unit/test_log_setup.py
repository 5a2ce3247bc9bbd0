"""The one logging set-up (motcua_platform.log_setup), in a fresh process as a worker or the CLI starts:
MOTCUA_LOG_LEVEL and MOTCUA_LOG_FORMAT are honoured, library records come out in the same format as ours,
the log SMS provider's line is printed, and fontTools' subsetting lines are not, even at DEBUG."""

import json
import subprocess
import sys
import textwrap

import click
import pytest
from motcua_platform.cli import command_name, main
from motcua_platform.rendering import pdf

SCRIPT = textwrap.dedent(
    """
    import logging
    import sys
    from fpdf import FPDF
    from motcua_platform.log_setup import configure_logging
    from motcua_onestop.notifications.interfaces import LogSmsProvider

    configure_logging(sys.argv[1], sys.argv[3] or None)
    LogSmsProvider().send("0901234567", "Hồ sơ X-1 đã được tiếp nhận", reference="ref-1")
    logging.getLogger("alembic.runtime.migration").warning("a library's record")
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("body", fname=sys.argv[2])
    pdf.set_font("body", size=12)
    pdf.cell(text="Văn phòng UBND tỉnh Đắk Lắk")
    assert pdf.output().startswith(b"%PDF")  # embedding the font subsets it with fontTools
    logging.getLogger("fontTools.subset").warning("fontTools' warnings still show")
    """
)


def run(level: str, fmt: str = "") -> str:
    try:
        font = pdf.find_font()
    except pdf.FontMissing as exc:
        pytest.skip(str(exc))
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, level, str(font), fmt], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stderr


def records(level: str, fmt: str = "json") -> list[dict]:
    return [json.loads(line) for line in run(level, fmt).splitlines()]


def test_json_lines_for_our_records_and_the_libraries():
    lines = records("INFO")
    sms = [r for r in lines if r["logger"] == "motcua_onestop.notifications.interfaces"]
    sent = "SMS to 0901234567 (ref-1): Hồ sơ X-1 đã được tiếp nhận"
    assert [(r["level"], r["event"]) for r in sms] == [("info", sent)]
    assert any(r["logger"] == "alembic.runtime.migration" and r["level"] == "warning" for r in lines)
    assert all(r["timestamp"].endswith("Z") for r in lines)


def test_output_that_is_no_terminal_gets_json_by_default():
    assert all(line.startswith("{") for line in run("INFO").splitlines())


def test_the_console_format_is_readable_lines():
    output = run("INFO", "console")
    assert "SMS to 0901234567 (ref-1)" in output and "[info" in output
    assert not any(line.startswith("{") for line in output.splitlines())


def test_the_level_is_honoured_and_font_subsetting_stays_quiet():
    assert not [r for r in records("WARNING") if "SMS to" in r["event"]]
    # ~25 INFO lines and more DEBUG ones per PDF without the quiet list; its warnings are kept
    fonttools = [r["event"] for r in records("DEBUG") if r["logger"].startswith("fontTools")]
    assert fonttools == ["fontTools' warnings still show"]


def test_the_command_of_a_cli_record_is_its_sub_command_names_only():
    ctx = click.Context(main)
    assert command_name(main, ctx, ["tenants", "create", "theta", "--admin-password", "x"]) == "tenants create"
    assert command_name(main, ctx, ["worker", "--once"]) == "worker"
    assert command_name(main, ctx, ["--help"]) == ""
