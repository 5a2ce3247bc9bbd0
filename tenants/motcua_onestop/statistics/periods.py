"""Reporting periods: a day, an ISO week, a month, a quarter, a year or custom dates, as a half-open interval
of local (Vietnam) dates and the instants that bound it. Every statistic counts events whose time falls in
``[start, end)``; a dossier still open is judged as of ``end``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.timezones import VIETNAM

KINDS = ("day", "week", "month", "quarter", "year", "custom")
MAX_CUSTOM_DAYS = 3 * 366  # a custom range longer than three years is a mistake, not a report
YEARS = range(2000, 2100)  # the one-stop shop's records begin in this century

_PATTERNS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "quarter": re.compile(r"^(\d{4})-Q([1-4])$"),
    "year": re.compile(r"^(\d{4})$"),
}
_EXAMPLES = {"day": "2026-11-30", "week": "2026-W48", "month": "2026-11", "quarter": "2026-Q4", "year": "2026"}


@dataclass(frozen=True)
class Period:
    kind: str
    label: str
    first_day: dt.date
    end_day: dt.date  # the day after the last

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(), VIETNAM)

    @property
    def end(self) -> dt.datetime:
        return dt.datetime.combine(self.end_day, dt.time(), VIETNAM)

    @property
    def last_day(self) -> dt.date:
        return self.end_day - dt.timedelta(days=1)

    def previous(self) -> Period | None:
        """The period of the same kind just before (for a custom range, as many days just before); None when
        it would start before the records do (``YEARS``)."""
        if (self.first_day - (self.end_day - self.first_day)).year < YEARS.start:
            return None
        if self.kind == "custom":
            days = self.end_day - self.first_day
            return custom(self.first_day - days, self.first_day - dt.timedelta(days=1))
        return period(self.kind, _label(self.kind, self.first_day - dt.timedelta(days=1)))


def period(kind: str, value: str | None = None, *, until: str | None = None) -> Period:
    """The period ``kind`` named by ``value`` (``2026-11-30``, ``2026-W48``, ``2026-11``, ``2026-Q4``,
    ``2026``; for ``custom``, ``value`` is the first day and ``until`` the last). 422 on anything else."""
    if kind not in KINDS:
        raise _invalid("period", _("Must be one of: %(kinds)s.", kinds=", ".join(KINDS)))
    if kind == "custom":
        first, last = _date("from", value), _date("until", until)
        return custom(first, last)
    match = _PATTERNS[kind].match(value or "")
    if match is None:
        raise _invalid("value", _("Write it like %(example)s.", example=_EXAMPLES[kind]))
    numbers = [int(group) for group in match.groups()]
    if numbers[0] not in YEARS:
        raise _invalid("value", _("Years from %(first)s to %(last)s.", first=YEARS[0], last=YEARS[-1]))
    try:
        if kind == "day":
            first = dt.date(*numbers)
            end = first + dt.timedelta(days=1)
        elif kind == "week":
            first = dt.date.fromisocalendar(numbers[0], numbers[1], 1)
            end = first + dt.timedelta(days=7)
        elif kind == "month":
            first = dt.date(numbers[0], numbers[1], 1)
            end = _add_months(first, 1)
        elif kind == "quarter":
            first = dt.date(numbers[0], 3 * numbers[1] - 2, 1)
            end = _add_months(first, 3)
        else:
            first, end = dt.date(numbers[0], 1, 1), dt.date(numbers[0] + 1, 1, 1)
    except ValueError:
        raise _invalid("value", _("There is no such period: %(value)s.", value=value)) from None
    return Period(kind, value, first, end)


def custom(first: dt.date, last: dt.date) -> Period:
    if first.year not in YEARS or last.year not in YEARS:
        raise _invalid("until", _("Years from %(first)s to %(last)s.", first=YEARS[0], last=YEARS[-1]))
    if last < first:
        raise _invalid("until", _("The last day comes before the first."))
    if (last - first).days >= MAX_CUSTOM_DAYS:
        raise _invalid("until", _("A custom period covers at most %(days)s days.", days=MAX_CUSTOM_DAYS))
    return Period("custom", f"{first.isoformat()}..{last.isoformat()}", first, last + dt.timedelta(days=1))


def current(kind: str, on: dt.date) -> Period:
    """The period of ``kind`` (not custom) that holds the day ``on``."""
    return period(kind, _label(kind, on))


def _label(kind: str, day: dt.date) -> str:
    if kind == "day":
        return day.isoformat()
    if kind == "week":
        year, week, _weekday = day.isocalendar()
        return f"{year}-W{week:02d}"
    if kind == "month":
        return f"{day.year}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def month_after(day: dt.date) -> dt.date:
    """The first day of the month after the one that holds ``day``."""
    return _add_months(day, 1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


def _date(name: str, value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise _invalid(name, _("Write a date like 2026-11-30.")) from None


def _invalid(name: str, message: str) -> InvalidInput:
    return InvalidInput(_("The period is not valid."), {name: [message]})
