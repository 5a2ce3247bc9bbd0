"""Forms from templates: a Jinja2 template per form (``templates/NN.html``, extending ``base.html``) is
rendered in a sandbox to the small HTML dialect fpdf2's ``write_html`` lays out, then to PDF.

Provinces edit these templates (an override per form, stored in the tenant schema), so the environment is
sandboxed with autoescape on, the context holds only plain strings, lists and dicts, and the PDF may load
no file or URL: only ``data:`` images, such as the QR code the context carries as ``qr``.

No Flask here.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import ResourceAccessPolicy
from fpdf.fonts import TextStyle
from jinja2 import PackageLoader, StrictUndefined, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _

FAMILY = "body"
# A province's template is a page of HTML; anything far larger is a mistake (or an attempt to make every
# print slow), refused when saved.
MAX_TEMPLATE_CHARS = 50_000
MAX_HTML_CHARS = 2_000_000

# How far one operator may multiply a value: "-" * 80 draws a rule, "x" * 10**9 would fill the memory.
MAX_REPEAT = 1_000
MAX_EXPONENT = 64


class FormsSandbox(SandboxedEnvironment):
    """Jinja2's sandbox keeps a template from Python's internals, not from asking for a huge value; this
    one also bounds repetition (``*``) and powers (``**``), and offers no ``range``: a form loops over its
    data only. Output is bounded while rendering (``render_html``)."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context, operator, left, right):
        if operator == "**" and isinstance(right, int) and abs(right) > MAX_EXPONENT:
            raise SecurityError(f"Powers above {MAX_EXPONENT} are not allowed in a form.")
        if operator == "*":
            for value, count in ((left, right), (right, left)):
                if isinstance(value, str | list | tuple) and isinstance(count, int) and count > MAX_REPEAT:
                    raise SecurityError(f"Repeating a value more than {MAX_REPEAT} times is not allowed in a form.")
        return super().call_binop(context, operator, left, right)


_environment = FormsSandbox(
    loader=PackageLoader("motcua_onestop.dossiers.forms", "templates"),
    autoescape=True,
    undefined=StrictUndefined,  # a misspelt field fails at save time instead of printing nothing
    trim_blocks=True,
    lstrip_blocks=True,
)
del _environment.globals["range"]

# fpdf2's default headings are dark red and large; an administrative form is black, the title 13 pt.
TAG_STYLES = {
    "h1": TextStyle(font_size_pt=13, t_margin=4, b_margin=0.4, color=0, font_style="B"),
    "h2": TextStyle(font_size_pt=11, t_margin=3, b_margin=0.3, color=0, font_style="B"),
    "p": TextStyle(t_margin=1.6),
    "li": TextStyle(l_margin=6, t_margin=0.5),
    "ul": TextStyle(t_margin=0.5),
    "ol": TextStyle(t_margin=0.5),
}


class TemplateProblem(InvalidInput):
    """A province's template that does not parse or render (422), with the line Jinja2 points at."""


def default_source(number: str) -> str:
    """The text of the template shipped for form ``number``: what an override starts from."""
    source, _, _ = _environment.loader.get_source(_environment, f"{number}.html")
    return source


def render_html(number: str, context: dict[str, Any], override: str | None = None) -> str:
    """Form ``number`` as HTML: the province's ``override`` when it has one, else the shipped template."""
    template = _environment.from_string(override) if override else _environment.get_template(f"{number}.html")
    parts, size = [], 0
    for part in template.generate(context):  # stop a runaway loop as soon as it outgrows any form
        size += len(part)
        if size > MAX_HTML_CHARS:
            raise SecurityError(f"The form renders to more than {MAX_HTML_CHARS} characters.")
        parts.append(part)
    return "".join(parts)


def qr_data_uri(payload: str) -> str:
    """The QR code (error level M) as a PNG data URI, the one kind of image a form may carry."""
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="png", scale=8, border=0)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


STYLES = {"B": ("Bold",), "I": ("Oblique", "Italic")}
# Each face costs a parse of its TrueType file (about a tenth of a second), so a form registers only the faces
# its HTML asks for (headings and table headers are bold). Bold italic is not offered: <i> inside <b> is refused
# when a template is saved (undefined font).
NEEDS = {"B": re.compile(r"<(b|strong|th|h[1-6]|dt)\b", re.IGNORECASE), "I": re.compile(r"<(i|em)\b", re.IGNORECASE)}


def _face_of(font: Path, style: str) -> Path:
    """The face of ``style`` beside the regular font (DejaVuSans.ttf → DejaVuSans-Bold.ttf); the regular
    when absent, so ``<b>`` or ``<i>`` in a template still prints, only upright or not bold."""
    for suffix in STYLES[style]:
        for name in (f"{font.stem}-{suffix}{font.suffix}", f"{font.stem}{suffix}{font.suffix}"):
            if (face := font.with_name(name)).is_file():
                return face
    return font


def html_to_pdf(html: str, font: Path, *, title: str, creator: str, landscape: bool = False) -> bytes:
    pdf = FPDF(orientation="L" if landscape else "P", format="A4")
    pdf.resource_access_policy = ResourceAccessPolicy.NONE  # no file or URL from a template, only data: URIs
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(18, 12, 15)
    pdf.add_font(FAMILY, "", str(font))
    for style, needed in NEEDS.items():
        if needed.search(html):
            pdf.add_font(FAMILY, style, str(_face_of(font, style)))
    pdf.set_title(title)
    pdf.set_creator(creator)
    pdf.add_page()
    pdf.set_font(FAMILY, size=10.5)
    try:
        pdf.write_html(
            html, font_family=FAMILY, tag_styles=TAG_STYLES, li_prefix_color=(0, 0, 0), warn_on_tags_not_matching=False
        )
        return bytes(pdf.output())  # output() closes the font files
    except Exception:
        for face in pdf.fonts.values():  # a template that cannot be laid out must not leave them open
            face.close()
        raise


def check_source(number: str, source: str, context: dict[str, Any], font: Path) -> None:
    """A province's template for form ``number`` must parse, render with ``context`` (sample data) and lay
    out as a PDF; otherwise a TemplateProblem naming the line."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateProblem(
            _("The template is too long."),
            {"template": [_("At most %(max_template_chars)s characters.", max_template_chars=MAX_TEMPLATE_CHARS)]},
        )
    try:
        html = render_html(number, context, source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(
            _("The template does not parse: %(message)s (line %(lineno)s).", message=exc.message, lineno=exc.lineno),
            {"template": [_("line %(lineno)s: %(message)s", lineno=exc.lineno, message=exc.message)]},
        ) from None
    except Exception as exc:  # TemplateError, the sandbox's SecurityError, or a TypeError from the data
        line = _line_of(exc)
        where = f" (line {line})" if line else ""
        raise TemplateProblem(
            _("The template does not render with sample data: %(exc)s%(where)s.", exc=exc, where=where),
            {"template": [f"line {line}: {exc}" if line else str(exc)]},
        ) from None
    try:
        html_to_pdf(html, font, title="check", creator="check")
    except Exception as exc:  # fpdf2 raises plain exceptions for HTML it cannot lay out or load
        raise TemplateProblem(
            _("The template renders but cannot be laid out as a PDF: %(exc)s", exc=exc),
            {"template": [_("PDF layout: %(exc)s", exc=exc)]},
        ) from None


def _line_of(exc: Exception) -> int | None:
    """The line of the province's template a render error happened on (the ``<template>`` frame)."""
    line = None
    traceback = exc.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line
