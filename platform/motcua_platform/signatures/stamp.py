"""The visible stamp of a signature: who signed, for which agency, when, in Vietnamese whatever the reader's
language (the stamp is part of an administrative document, printed and filed as it is), drawn with the
Unicode font the platform's other PDFs use so that the diacritics render."""

from __future__ import annotations

import datetime as dt
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import QRStampStyle, TextStampStyle

from motcua_platform.i18n import DEFAULT_TIMEZONE
from motcua_platform.rendering.pdf import find_font

# A4 is 595 × 842 points; the default box sits in the lower right corner, clear of the page's margin,
# where a Vietnamese administrative document carries its signature block.
DEFAULT_BOX = (345, 36, 575, 106)
STAMP_LINES = ("Ký bởi: %(signer)s", "Cơ quan: %(agency)s", "Thời gian: %(signed_at)s")
# beside a QR code, the stamp says what scanning it does (the address itself is too long to print legibly)
QR_LINE = "Quét mã QR để kiểm tra chữ ký"
TIME_FORMAT = "%H:%M:%S ngày %d/%m/%Y (GMT%z)"
FONT_SIZE = 9
# PDF glyph widths are in thousandths of an em, and pyHanko writes the font's own units into them; DejaVu
# Sans has 2048 units to the em, so its letters would stand twice as far apart as they should. The font is
# rescaled to 1000 units (once per process, in memory) before pyHanko sees it.
PDF_UNITS_PER_EM = 1000


@dataclass(frozen=True)
class StampText:
    """What the stamp says. ``signed_at`` defaults to the moment of signing; shown in Vietnam's time zone
    (or ``timezone``, a province's own). With a ``verify_url`` the stamp carries a QR code of it: the public
    page that verifies the copy the platform stored, for whoever holds the printed document."""

    signer: str
    agency: str
    signed_at: dt.datetime | None = None
    timezone: str = DEFAULT_TIMEZONE
    verify_url: str | None = None

    def params(self) -> dict[str, str]:
        moment = self.signed_at or dt.datetime.now(dt.UTC)
        local = moment.astimezone(ZoneInfo(self.timezone))
        params = {"signer": self.signer, "agency": self.agency, "signed_at": local.strftime(TIME_FORMAT)}
        if self.verify_url:
            params["url"] = self.verify_url
        return params


@dataclass(frozen=True)
class StampPlacement:
    """Where the stamp goes: ``page`` counts from 0, negative from the end (-1: the last page, where a
    result's signature block is); ``box`` is (left, bottom, right, top) in points from the lower left."""

    page: int = -1
    box: tuple[int, int, int, int] = field(default=DEFAULT_BOX)


def stamp_style(font: Path | str | None = None, *, qr: bool = False) -> TextStampStyle:
    """pyHanko's text stamp with an embedded subset of ``font`` (default: the platform's PDF font lookup,
    ``MOTCUA_PDF_FONT`` or DejaVu Sans): the standard PDF fonts have no Vietnamese glyphs. The engine and
    the text box are given one font size (older pyHanko releases drifted the lines when they differed).
    ``qr``: a QR code of the text parameter ``url`` left of the text (``StampText.verify_url``)."""
    font_path = find_font(str(font) if font else None)
    engine = _RescaledFontFactory(str(font_path), font_size=FONT_SIZE)
    text_box = TextBoxStyle(font=engine, font_size=FONT_SIZE, leading=FONT_SIZE + 3)
    if qr:
        return QRStampStyle(
            stamp_text="\n".join((*STAMP_LINES, QR_LINE)), text_box_style=text_box, border_width=1, background=None
        )
    return TextStampStyle(stamp_text="\n".join(STAMP_LINES), text_box_style=text_box, border_width=1, background=None)


@dataclass(frozen=True)
class _RescaledFontFactory(GlyphAccumulatorFactory):
    """pyHanko's OpenType engine over the font rescaled to 1000 units per em."""

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        path = Path(self.font_file)
        stat = path.stat()
        return GlyphAccumulator(
            writer=writer,
            font_handle=io.BytesIO(_font_at_pdf_scale(str(path), stat.st_mtime_ns, stat.st_size)),
            font_size=self.font_size,
            ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag,
            writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code,
            obj_stream=obj_stream,
        )


@functools.lru_cache(maxsize=4)
def _font_at_pdf_scale(path: str, _mtime_ns: int, _size: int) -> bytes:
    """The font file's bytes at 1000 units per em (keyed by its time and size: a replaced font is read again)."""
    font = TTFont(path)
    if font["head"].unitsPerEm != PDF_UNITS_PER_EM:
        scale_upem(font, PDF_UNITS_PER_EM)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
