"""Jinja filters that format for people in the request's language and the province's time zone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal


def money(amount: int | Decimal | None) -> str:
    if amount is None:
        return ""
    return format_currency(amount, "VND")


def date(value: dt.date | dt.datetime | None, style: str = "medium") -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return format_datetime(value, style)
    return format_date(value, style)


def number(value) -> str:
    return "" if value is None else format_decimal(value)


FILTERS = {"money": money, "date": date, "number": number}
