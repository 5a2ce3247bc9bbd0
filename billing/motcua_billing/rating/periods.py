"""Billing periods, cut in Asia/Ho_Chi_Minh and turned into UTC instants for queries (no I/O).

A month is written as its first day (contracts start and price versions take effect on the 1st), so
``add_months`` moves from a month to a month."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from motcua_platform.dates import add_months
from motcua_platform.timezones import VIETNAM

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# Billing periods of this product: a month outside these years is a typo (0000-01, 9999-12), and at the
# edges of the calendar the period arithmetic (the month after, the contract year) would leave ``date``'s range.
FIRST_YEAR, LAST_YEAR = 2000, 2099


def parse_month(value: str) -> dt.date:
    """``2026-10`` → 2026-10-01; ValueError for anything else. The one parser of periods: the API's
    ``Month`` field, the command line and the jobs all read a period through it."""
    match = MONTH_RE.match(value) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a month; write YYYY-MM, e.g. 2026-10.")
    year = int(match.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:  # (in_billing_years, before a date exists to ask it)
        raise ValueError(f"{value!r} is outside the billing years {FIRST_YEAR}–{LAST_YEAR}.")
    return dt.date(year, int(match.group(2)), 1)


def in_billing_years(day: dt.date) -> bool:
    return FIRST_YEAR <= day.year <= LAST_YEAR


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from the month of ``start`` to the month of ``end``."""
    return (end.year - start.year) * 12 + end.month - start.month


def local_midnight(day: dt.date) -> dt.datetime:
    """The instant a Vietnamese calendar day begins (UTC+7, no daylight saving)."""
    return dt.datetime(day.year, day.month, day.day, tzinfo=VIETNAM)


def month_of(instant: dt.datetime) -> dt.date:
    local = instant.astimezone(VIETNAM)
    return dt.date(local.year, local.month, 1)


@dataclass(frozen=True)
class Period:
    start: dt.date  # first day
    end: dt.date  # first day after

    @property
    def key(self) -> str:
        return f"{self.start:%Y-%m}" if self.months == 1 else f"{self.start:%Y-%m}/{self.end:%Y-%m}"

    @property
    def months(self) -> int:
        return months_between(self.start, self.end)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_at(self) -> dt.datetime:
        return local_midnight(self.start)

    @property
    def end_at(self) -> dt.datetime:
        return local_midnight(self.end)

    def contains(self, instant: dt.datetime) -> bool:
        return self.start_at <= instant < self.end_at

    def label_vi(self) -> str:
        if self.months == 1:
            return f"tháng {self.start.month:02d}/{self.start.year}"
        last = add_months(self.end, -1)
        return f"{self.start.month:02d}/{self.start.year} – {last.month:02d}/{last.year}"


def billing_period(contract_start: dt.date, cadence_months: int, month: dt.date) -> Period | None:
    """The billing period that *closes* with ``month`` for a contract starting on ``contract_start``
    (billed in arrears), or None when ``month`` does not close one."""
    offset = months_between(contract_start, month)
    if offset < 0 or (offset + 1) % cadence_months:
        return None
    return Period(add_months(month, 1 - cadence_months), add_months(month, 1))


def period_containing(contract_start: dt.date, cadence_months: int, month: dt.date) -> Period:
    offset = months_between(contract_start, month)
    first = add_months(contract_start, offset - offset % cadence_months)
    return Period(first, add_months(first, cadence_months))


def contract_year(contract_start: dt.date, month: dt.date) -> Period:
    """The contract year (12 months from the start month's anniversary) containing ``month``."""
    offset = months_between(contract_start, month)
    first = add_months(contract_start, offset - offset % 12)
    return Period(first, add_months(first, 12))


def closing_period(starts_on: dt.date, ends_on: dt.date, cadence_months: int, month: dt.date) -> Period | None:
    """The billing period a contract (term ``starts_on`` – ``ends_on``, inclusive) bills in ``month``: the one
    closing with ``month`` (``billing_period``), or the last one, closed early in the month the term ends in
    when the term stops inside it (a contract ended by a merge, or a term not a whole number of periods).
    Periods are counted from the first of the start month, whatever day the term starts."""
    anchor = starts_on.replace(day=1)
    period = billing_period(anchor, cadence_months, month)
    if period is None and anchor <= month == ends_on.replace(day=1):
        period = period_containing(anchor, cadence_months, month)
    return period


def covered(period: Period, starts_on: dt.date, ends_on: dt.date) -> Period:
    """The days of ``period`` a contract term (``ends_on`` inclusive) covers; the whole period for a term
    that spans it. Its ``days`` against the period's prorate the fee and the quotas (ADR 0060)."""
    start = max(period.start, starts_on)
    end = min(period.end, ends_on + dt.timedelta(days=1))
    return Period(start, max(start, end))
