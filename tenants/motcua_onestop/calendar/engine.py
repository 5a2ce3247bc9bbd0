"""The deadline engine: pure functions over a ``WorkingCalendar`` loaded once from the tenant's tables.

No I/O here, so every rule is unit-tested without a database. Rules (docs/calendar.md has examples):

- Times are local to Vietnam (Asia/Ho_Chi_Minh, UTC+7, no daylight saving). Inputs must be aware.
- **Intake**: a dossier received on a non-working day or at/after closing time counts as received at the
  next working day's opening; received before opening, at opening. Every unit starts from this moment.
- **Same-day cut-off** (``same_day_cutoff_hour``): intake before the cut-off hour → due at closing time
  the same day; otherwise the time limit applies (a limit of 0 then means the next working day).
- **hours**: counted only inside office hours on working days.
- **days** (calendar days, Civil Code 2015 Arts. 147–148): the intake day is not counted; if the last day
  is not a working day the period ends at the end of the next working day.
- **working_days**: counted from the day after intake; due at closing time of the N-th working day.
- **months**: the same day number N months after the intake day (clamped to the month's last day), then
  the non-working-day rule of the Civil Code.
- "End of a day" is the office's closing time: results are collected at the office, and the KPI
  classification compares dates only, so 17:00 and 24:00 classify alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from motcua_platform.dates import add_months
from motcua_platform.plugins.definitions import TimeLimit, TimeUnit
from motcua_platform.timezones import VIETNAM

HOLIDAY, DAY_OFF, WORKING_DAY = "holiday", "day_off", "working_day"
# No calendar has two years without a working day; past this the data is broken, not the date far away.
MAX_SEARCH_DAYS = 731


@dataclass(frozen=True)
class OfficeHours:
    morning_start: dt.time = dt.time(7, 0)
    morning_end: dt.time = dt.time(11, 30)
    afternoon_start: dt.time = dt.time(13, 30)
    afternoon_end: dt.time = dt.time(17, 0)

    def segments(self) -> tuple[tuple[dt.time, dt.time], ...]:
        return ((self.morning_start, self.morning_end), (self.afternoon_start, self.afternoon_end))

    def day_length(self) -> dt.timedelta:
        return sum((_span(start, end) for start, end in self.segments()), dt.timedelta())


def _span(start: dt.time, end: dt.time) -> dt.timedelta:
    return dt.datetime.combine(dt.date.min, end) - dt.datetime.combine(dt.date.min, start)


def to_local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("The time must be timezone-aware (e.g. 2026-02-12T10:00:00+07:00).")
    return moment.astimezone(VIETNAM)


@dataclass(frozen=True)
class WorkingCalendar:
    """Exceptions to the Monday–Friday week (date → holiday | day_off | working_day) and office hours.

    ``seeded_years``: the years whose holidays are loaded, when known. A year without them is not an
    error: its dates follow the Monday–Friday rule, which is wrong on its holidays, so a due date counted
    through such a year is flagged (``unseeded_years``), not refused."""

    days: Mapping[dt.date, str] = field(default_factory=dict)
    hours: OfficeHours = field(default_factory=OfficeHours)
    seeded_years: frozenset[int] | None = None

    def unseeded_years(self, start: dt.datetime, end: dt.datetime) -> list[int]:
        """The years from ``start`` to ``end`` (Vietnam time) without holidays loaded; [] when unknown."""
        if self.seeded_years is None:
            return []
        first, last = to_local(start).year, to_local(end).year
        return [year for year in range(first, last + 1) if year not in self.seeded_years]

    # -- days ------------------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        kind = self.days.get(day)
        if kind == WORKING_DAY:
            return True
        if kind in (HOLIDAY, DAY_OFF):
            return False
        return day.weekday() < 5

    def next_working_day(self, day: dt.date, *, inclusive: bool = False) -> dt.date:
        """The first working day after ``day`` (or ``day`` itself when ``inclusive`` and it is one)."""
        candidate = day if inclusive else day + dt.timedelta(days=1)
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_working_day(candidate):
                return candidate
            candidate += dt.timedelta(days=1)
        raise ValueError(f"No working day within {MAX_SEARCH_DAYS} days of {day.isoformat()}.")

    def at(self, day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, tzinfo=VIETNAM)

    def opening(self, day: dt.date) -> dt.datetime:
        return self.at(day, self.hours.morning_start)

    def closing(self, day: dt.date) -> dt.datetime:
        return self.at(day, self.hours.afternoon_end)

    # -- moments ---------------------------------------------------------------------------------
    def intake(self, received_at: dt.datetime) -> dt.datetime:
        """When the clock starts: the received moment, moved to the next opening if the office is closed
        for the day (non-working day, or at/after closing time) or not yet open."""
        local = to_local(received_at)
        day = local.date()
        if self.is_working_day(day) and local < self.closing(day):
            return max(local, self.opening(day))
        return self.opening(self.next_working_day(day))

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """``start`` plus ``amount`` of office time (only office hours of working days count)."""
        current = to_local(start)
        if amount <= dt.timedelta():
            return current
        remaining = amount
        day = current.date()
        if not self.is_working_day(day):
            day = self.next_working_day(day)
            current = self.opening(day)
        while True:
            for seg_start, seg_end in self.hours.segments():
                begin, end = max(current, self.at(day, seg_start)), self.at(day, seg_end)
                if begin >= end:
                    continue
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
            day = self.next_working_day(day)
            current = self.opening(day)

    def working_time_between(self, start: dt.datetime, end: dt.datetime) -> dt.timedelta:
        """Office time between two moments (0 if ``end`` is not after ``start``)."""
        start, end = to_local(start), to_local(end)
        total = dt.timedelta()
        day = start.date()
        while day <= end.date():
            if self.is_working_day(day):
                for seg_start, seg_end in self.hours.segments():
                    begin, finish = max(start, self.at(day, seg_start)), min(end, self.at(day, seg_end))
                    if finish > begin:
                        total += finish - begin
            day += dt.timedelta(days=1)
        return total

    # -- deadlines -------------------------------------------------------------------------------
    def due_at(self, received_at: dt.datetime, limit: TimeLimit) -> dt.datetime:
        """When the result is due for a dossier received (complete and valid) at ``received_at``."""
        problems = limit.problems()
        if problems:
            raise ValueError("; ".join(problems))
        start = self.intake(received_at)
        day = start.date()
        if limit.same_day_cutoff_hour is not None:
            if start.time() < dt.time(limit.same_day_cutoff_hour):
                return self.closing(day)
            if limit.value == 0:
                return self.closing(self.next_working_day(day))
        unit = TimeUnit(limit.unit)
        if unit is TimeUnit.HOURS:
            return self.add_working_time(start, dt.timedelta(hours=limit.value))
        if unit is TimeUnit.WORKING_DAYS:
            for _ in range(limit.value):
                day = self.next_working_day(day)
            return self.closing(day)
        last = day + dt.timedelta(days=limit.value) if unit is TimeUnit.DAYS else add_months(day, limit.value)
        return self.closing(self.next_working_day(last, inclusive=True))

    def extend(self, due_at: dt.datetime, paused: Iterable[tuple[dt.datetime, dt.datetime]]) -> dt.datetime:
        """The due moment pushed out by the pauses (waiting for a supplement, suspended processing).

        Each pause is measured in office time (so a pause over a weekend or a holiday costs nothing for
        those days); overlapping pauses count once; the total is then added to ``due_at`` in office time.
        A pause of whole working days therefore moves the due date by exactly that many working days.
        """
        intervals = []
        for start, end in paused:
            start, end = to_local(start), to_local(end)
            if end < start:
                raise ValueError(f"A pause ends before it starts: {start.isoformat()} > {end.isoformat()}.")
            intervals.append((start, end))
        intervals.sort()
        merged: list[tuple[dt.datetime, dt.datetime]] = []
        for start, end in intervals:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        total = sum((self.working_time_between(start, end) for start, end in merged), dt.timedelta())
        return self.add_working_time(due_at, total)

    # -- measured time ---------------------------------------------------------------------------
    def elapsed(self, received_at: dt.datetime, end: dt.datetime, unit: str, paused: dt.timedelta) -> float:
        """How long a dossier took from intake to ``end``, in the procedure's own time unit, less ``paused``
        (the office time it waited for a supplement), as QĐ 766 indicator 2.2 averages it.

        hours and working_days count office time (a working day is a day of office hours), as the limit
        does; days count calendar days and months calendar days over a mean month (365.25 / 12), each less
        the pause counted in working days, one for one, as a pause moves a due date. Never below 0."""
        start = self.intake(received_at)
        office = self.working_time_between(start, end) - paused
        if unit == TimeUnit.HOURS:
            value = office / dt.timedelta(hours=1)
        elif unit == TimeUnit.WORKING_DAYS:
            value = office / self.hours.day_length()
        else:
            days = (to_local(end) - start) / dt.timedelta(days=1) - paused / self.hours.day_length()
            value = days if unit == TimeUnit.DAYS else days / (365.25 / 12)
        return max(value, 0.0)


def classify(finished_at: dt.datetime, due_at: dt.datetime) -> str:
    """``early`` / ``on_time`` / ``late`` by comparing local dates (the KPI reports of QĐ 766 compare
    the finish date with the appointment date, not the time of day)."""
    finished, due = to_local(finished_at).date(), to_local(due_at).date()
    if finished < due:
        return "early"
    return "on_time" if finished == due else "late"
