"""Calendar arithmetic shared by every area (pure, no time zone)."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day number ``months`` later (or earlier), clamped to the last day of that month
    (31/1 + 1 → 28/2). The first day of a month stays the first day, so billing's months (dates on the
    1st) add up as months."""
    year, month0 = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month0 + 1, min(day.day, calendar.monthrange(year, month0 + 1)[1]))
