"""Accent-insensitive text for Vietnamese search, computed in Python and stored beside each procedure
(the embedded PostgreSQL ships no ``unaccent`` extension)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9.]+")


def fold(text: str) -> str:
    """'Đăng ký khai sinh' → 'dang ky khai sinh'."""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def words(query: str) -> list[str]:
    """Search words: folded, with dots kept only inside a word (procedure codes such as 1.001193)."""
    return [w for w in (part.strip(".") for part in fold(query).split()) if w]
