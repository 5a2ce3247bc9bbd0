"""The page number a list page was asked for, read one way everywhere."""

from __future__ import annotations

from flask import request

LAST_PAGE = 9_999


def page_number() -> int:
    """``?page=N`` as a number from 1 to ``LAST_PAGE``; anything else (missing, not ASCII digits, out of
    range: "²" is a digit to Python but not to ``int``) is the first page."""
    raw = request.args.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) <= LAST_PAGE else 1
