"""Fonts for the PDFs the platform prints (invoices, forms 01–07): a Unicode TrueType font with the
Vietnamese glyphs, which fpdf2's core fonts lack."""

from __future__ import annotations

import os
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
)


class FontMissing(RuntimeError):
    pass


def find_font(configured: str | None = None) -> Path:
    for candidate in (configured, os.environ.get("MOTCUA_PDF_FONT"), *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FontMissing(
        "No Unicode TrueType font with Vietnamese glyphs was found; install fonts-dejavu-core "
        "or set MOTCUA_PDF_FONT to a .ttf file."
    )
