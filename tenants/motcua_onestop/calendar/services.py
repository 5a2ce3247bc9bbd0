"""The tenant's working calendar: seeding from the ``holidays`` package, admin changes, and loading the
calendar into the pure deadline engine (``engine.WorkingCalendar``)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

import holidays
from motcua_platform.audit.services import Actor, record
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.timezones import VIETNAM
from sqlalchemy import Select, bindparam, delete, extract, literal, select, true
from sqlalchemy.orm import Session

from motcua_onestop.calendar.engine import OfficeHours, WorkingCalendar, classify
from motcua_onestop.calendar.models import CalendarDay, CalendarSettings, DayKind, DaySource

__all__ = ["WorkingCalendar", "classify", "due_at", "is_working_day", "load_calendar", "not_seeded_warnings"]

COUNTRY = "VN"
# Names are shown to the province's staff and citizens, so they are the package's Vietnamese ones; the
# kind of a day is read from the English names, whose "Day off (substituted from …)" is stable wording.
LANGUAGE = "vi"
KIND_LANGUAGE = "en_US"
MAKE_UP_DAY_NAME = "Ngày làm việc bù"
MIN_YEAR, MAX_YEAR = 2000, 2100
SEEDED_BY = Actor("system", None, "calendar-seeder")
NOT_SEEDED = "calendar_year_not_seeded"

log = logging.getLogger(__name__)


def today() -> dt.date:
    return dt.datetime.now(VIETNAM).date()


def default_years(on: dt.date | None = None) -> range:
    """The years seeded at provisioning: last year to two years ahead."""
    year = (on or today()).year
    return range(year - 1, year + 3)


def years_to_keep_seeded(on: dt.date | None = None) -> range:
    """The years the daily seeding task keeps loaded: those of ``default_years`` a month ahead, so that
    from December on next year and the two after it are ready (last year stays as provisioned)."""
    return default_years((on or today()) + dt.timedelta(days=31))


def _check_year(year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(
            _("The year is out of range."),
            {"year": [_("Year must be between %(min_year)s and %(max_year)s.", min_year=MIN_YEAR, max_year=MAX_YEAR)]},
        )


def package_days(year: int) -> dict[dt.date, tuple[str, str]]:
    """What the ``holidays`` package knows for ``year``, named in Vietnamese: public holidays and days off
    (substitutes), and the make-up working Saturdays of the government's swaps."""
    named = holidays.country_holidays(COUNTRY, years=year, language=LANGUAGE)
    english = holidays.country_holidays(COUNTRY, years=year, language=KIND_LANGUAGE)
    days: dict[dt.date, tuple[str, str]] = {}
    for day, name in sorted(named.items()):
        kind = DayKind.DAY_OFF if english.get(day, "").lower().startswith("day off") else DayKind.HOLIDAY
        days[day] = (kind.value, name[:200])
    for day in sorted(getattr(named, "weekend_workdays", ())):
        if day.year == year and day not in days:
            days[day] = (DayKind.WORKING_DAY.value, MAKE_UP_DAY_NAME)
    return days


def seed_year(session: Session, year: int) -> dict[str, int]:
    """(Re-)load ``year`` from the ``holidays`` package. Days entered by an admin always win and are never
    touched; package days the package no longer lists are removed. Safe to run again."""
    _check_year(year)
    wanted = package_days(year)
    existing = {
        day.date: day for day in session.scalars(select(CalendarDay).where(extract("year", CalendarDay.date) == year))
    }
    counts = {"added": 0, "updated": 0, "removed": 0, "kept_admin": 0}
    for date, (kind, name) in wanted.items():
        row = existing.get(date)
        if row is None:
            session.add(CalendarDay(date=date, kind=kind, name=name, source=DaySource.HOLIDAYS))
            counts["added"] += 1
        elif row.source == DaySource.ADMIN:
            counts["kept_admin"] += 1
        elif (row.kind, row.name) != (kind, name):
            row.kind, row.name = kind, name
            counts["updated"] += 1
    for date, row in existing.items():
        if row.source == DaySource.HOLIDAYS and date not in wanted:
            session.delete(row)
            counts["removed"] += 1
    session.flush()
    return counts


def seeded_years(session: Session, years: Iterable[int]) -> set[int]:
    """Which of ``years`` have their holidays loaded (at least one day seeded from the package: every
    Vietnamese year has holidays, so a year without one was never seeded)."""
    years = list(years)
    if not years:
        return set()
    year = extract("year", CalendarDay.date)
    query = select(year).where(CalendarDay.source == DaySource.HOLIDAYS, year.in_(years)).distinct()
    return {int(value) for value in session.scalars(query)}


def seed_missing_years(session: Session, years: Iterable[int]) -> dict[int, dict[str, int]]:
    """Seed those of ``years`` that have no holidays loaded, each recorded in the province's audit trail
    as ``calendar.seed`` by the system; years already seeded are left as they are (an admin may have
    corrected them). Returns the counts per year seeded now. Safe to run again."""
    years = sorted(set(years))
    done = seeded_years(session, years)
    seeded = {}
    for year in years:
        if year not in done:
            seeded[year] = seed_year(session, year)
            record(session, SEEDED_BY, "calendar.seed", target=f"calendar:{year}", scheduled=True, **seeded[year])
    return seeded


def seed_all_tenants(db, on: dt.date | None = None) -> dict[str, list[int]]:
    """For every active tenant, seed the missing years of ``years_to_keep_seeded(on)``, one transaction
    per tenant; one tenant's failure is logged and does not hold back the others. Returns the years
    seeded per tenant (only tenants where something was seeded)."""
    from motcua_platform.directory.services import in_each_active_tenant

    years = years_to_keep_seeded(on)
    seeded = in_each_active_tenant(
        db, lambda session, _slug: seed_missing_years(session, years), "seeding the calendar"
    )
    report = {}
    for slug, years_seeded in seeded.items():
        if years_seeded:
            log.info("calendar of %s: seeded %s", slug, ", ".join(map(str, years_seeded)))
            report[slug] = sorted(years_seeded)
    return report


def seed_calendar(session: Session, years: range | None = None) -> None:
    """What a new tenant gets at provisioning: office hours and the holidays of ``default_years()``."""
    if session.get(CalendarSettings, 1) is None:
        session.add(CalendarSettings(id=1))
    for year in years or default_years():
        seed_year(session, year)
    session.flush()


def office_hours(session: Session) -> OfficeHours:
    row = session.get(CalendarSettings, 1)
    if row is None:
        return OfficeHours()
    return OfficeHours(row.morning_start, row.morning_end, row.afternoon_start, row.afternoon_end)


def set_office_hours(session: Session, actor: Actor, hours: OfficeHours) -> OfficeHours:
    """Change the province's office hours (deadlines count working hours within them from now on; due
    dates already computed stay as they are). The morning ends before the afternoon starts."""
    errors: dict[str, list[str]] = {}
    if not hours.morning_start < hours.morning_end:
        errors["morning_end"] = [_("The morning must end after it starts.")]
    if not hours.morning_end <= hours.afternoon_start:
        errors["afternoon_start"] = [_("The afternoon must start when the morning has ended, or later.")]
    if not hours.afternoon_start < hours.afternoon_end:
        errors["afternoon_end"] = [_("The afternoon must end after it starts.")]
    if errors:
        raise InvalidInput(_("The office hours were not changed."), errors)
    row = session.get(CalendarSettings, 1, with_for_update=True)
    if row is None:
        row = CalendarSettings(id=1)
        session.add(row)
    before = office_hours(session)
    row.morning_start, row.morning_end = hours.morning_start, hours.morning_end
    row.afternoon_start, row.afternoon_end = hours.afternoon_start, hours.afternoon_end
    session.flush()

    def shown(value: OfficeHours) -> list[str]:
        return [f"{start:%H:%M}-{end:%H:%M}" for start, end in value.segments()]

    record(
        session,
        actor,
        "calendar.office_hours",
        target="calendar:office_hours",
        before=shown(before),
        after=shown(hours),
    )
    return hours


def list_days(session: Session, year: int) -> list[CalendarDay]:
    _check_year(year)
    query = select(CalendarDay).where(extract("year", CalendarDay.date) == year).order_by(CalendarDay.date)
    return list(session.scalars(query))


def add_day(session: Session, actor: Actor, *, date: dt.date, kind: str, name: str) -> CalendarDay:
    errors: dict[str, list[str]] = {}
    if kind not in set(DayKind):
        errors["kind"] = [_("Kind must be one of: %(kinds)s.", kinds=", ".join(DayKind))]
    if not name or not name.strip():
        errors["name"] = [_("Name is required.")]
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        errors["date"] = [
            _("The date must be between %(min_year)s and %(max_year)s.", min_year=MIN_YEAR, max_year=MAX_YEAR)
        ]
    elif kind == DayKind.WORKING_DAY and date.weekday() < 5:
        errors["kind"] = [_("A make-up working day must be a Saturday or a Sunday; weekdays already are working days.")]
    if errors:
        raise InvalidInput(_("The day was not saved."), errors)
    existing = session.scalar(select(CalendarDay).where(CalendarDay.date == date))
    if existing is not None:
        raise Conflict(
            _(
                "%(date)s is already in the calendar (%(kind)s: %(name)s); delete it first.",
                date=date.isoformat(),
                kind=existing.kind,
                name=existing.name,
            ),
            {"date": [_("%(date)s is already listed.", date=date.isoformat())]},
        )
    day = CalendarDay(date=date, kind=kind, name=name.strip(), source=DaySource.ADMIN)
    session.add(day)
    session.flush()
    record(session, actor, "calendar.day_add", target=f"calendar_day:{date.isoformat()}", kind=kind)
    return day


def remove_day(session: Session, actor: Actor, date: dt.date) -> None:
    deleted = session.execute(delete(CalendarDay).where(CalendarDay.date == date).returning(CalendarDay.kind)).first()
    if deleted is None:
        raise NotFound(_("%(date)s is not in the calendar (it follows the Monday–Friday rule).", date=date.isoformat()))
    record(session, actor, "calendar.day_remove", target=f"calendar_day:{date.isoformat()}", kind=deleted.kind)


def _calendar_query(day_condition) -> Select:
    """The office hours and the days in one round trip: the hours ride along with each day, LEFT JOINed to
    a one-row select so that a province without a settings row, or without days, still gets one row."""
    one = select(literal(1).label("one")).subquery()
    return (
        select(
            CalendarSettings.morning_start,
            CalendarSettings.morning_end,
            CalendarSettings.afternoon_start,
            CalendarSettings.afternoon_end,
            CalendarDay.date,
            CalendarDay.kind,
            CalendarDay.source,
        )
        .select_from(one)
        .outerjoin(CalendarSettings, CalendarSettings.id == 1)
        .outerjoin(CalendarDay, day_condition)
    )


# Built once: every intake at the counter, every receipt of an online dossier and every workflow step
# computes a due time from the calendar.
CALENDAR_SINCE = _calendar_query(CalendarDay.date >= bindparam("since"))
WHOLE_CALENDAR = _calendar_query(true())


def load_calendar(session: Session, since: dt.date | None = None) -> WorkingCalendar:
    """The tenant's calendar as a ``WorkingCalendar`` (days from ``since``'s year on, or all of them),
    with the years whose holidays are loaded. Whole years are read (a few more rows than from ``since``)
    so that a year whose remaining months have no holiday, e.g. December, still shows as seeded."""
    if since is None:
        rows = session.execute(WHOLE_CALENDAR).all()
    else:
        rows = session.execute(CALENDAR_SINCE, {"since": dt.date(since.year, 1, 1)}).all()
    first = rows[0]
    hours = OfficeHours(*first[:4]) if first.morning_start is not None else OfficeHours()
    return WorkingCalendar(
        days={row.date: row.kind for row in rows if row.date is not None},
        hours=hours,
        seeded_years=frozenset(row.date.year for row in rows if row.source == DaySource.HOLIDAYS),
    )


def not_seeded_warnings(calendar: WorkingCalendar, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Warnings for a deadline counted from ``start`` to ``end`` through years without holidays loaded."""
    return [
        {
            "code": NOT_SEEDED,
            "year": year,
            "message": (
                f"The holidays of {year} are not loaded in this province's calendar: its dates were counted as "
                f"Monday–Friday working days. A province admin loads them with POST /api/v1/calendar/seed?year={year}."
            ),
        }
        for year in calendar.unseeded_years(start, end)
    ]


def is_working_day(session: Session, date: dt.date) -> bool:
    return load_calendar(session, since=date).is_working_day(date)


def due_at(session: Session, received_at: dt.datetime, limit) -> dt.datetime:
    """Convenience: load the calendar from the intake day on and compute the due moment (logged as a
    warning when it was counted through a year without holidays)."""
    since = received_at.astimezone(VIETNAM).date() if received_at.tzinfo else received_at.date()
    calendar = load_calendar(session, since=since)
    due = calendar.due_at(received_at, limit)
    for warning in not_seeded_warnings(calendar, received_at, due):
        log.warning("due date %s: %s", due.isoformat(), warning["message"])
    return due
