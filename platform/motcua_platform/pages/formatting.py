"""Jinja filters that format for people in the request's language and the province's time zone."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_babel import format_currency, format_decimal, get_timezone

from motcua_platform import i18n


def money(amount: int | Decimal | None) -> str:
    if amount is None:
        return ""
    return format_currency(amount, "VND")


def date(value: dt.date | dt.datetime | None) -> str:
    """The platform's one way of writing a day or an instant (i18n: '16:07 ngày 05/03/2026', '16:07 on 5 Mar
    2026'), as the forms and notifications write it, in the province's time zone."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return i18n.format_datetime(value, timezone=get_timezone())
    return i18n.format_date(value)


def number(value) -> str:
    return "" if value is None else format_decimal(value)


FILTERS = {"money": money, "date": date, "number": number}
