"""The province's working calendar: a year of month grids (days off, public holidays, make-up working days
marked in words and by a sign, not only colour), the list of those days with their names, adding and
removing one, the office hours, and loading a year's holidays from the ``holidays`` package.

The same services and audit records as the calendar API (``calendar/api.py``): ``list_days``, ``add_day``,
``remove_day``, ``seed_year`` + ``calendar.seed``; the API's rule (a tenant admin of the province)."""

from __future__ import annotations

import calendar as monthly
import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.calendar import services
from motcua_onestop.calendar.engine import OfficeHours
from motcua_onestop.calendar.models import DayKind
from motcua_platform.audit.services import record
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.web.context import tenant_session

from motcua_console import session
from motcua_console.blueprint import console
from motcua_console.config_access import province_admin_required
from motcua_console.labels import N_

KINDS = {
    DayKind.HOLIDAY.value: (N_("Public holiday"), "★"),
    DayKind.DAY_OFF.value: (N_("Day off"), "○"),
    DayKind.WORKING_DAY.value: (N_("Make-up working day"), "●"),
}
MONTHS = (
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
)  # fmt: skip
WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
NAME_MAX = 200


def _year(raw: str | None) -> int:
    if raw and raw.isascii() and raw.isdigit() and services.MIN_YEAR <= int(raw) <= services.MAX_YEAR:
        return int(raw)
    return services.today().year


def _months(year: int, days: dict[dt.date, object]) -> list[tuple[str, list[list[tuple[dt.date, object] | None]]]]:
    """Each month as weeks of (date, the calendar's entry or None) from Monday, None outside the month."""
    weeks_of = monthly.Calendar(firstweekday=0)
    return [
        (
            _(MONTHS[month - 1]),
            [
                [(day, days.get(day)) if day.month == month else None for day in week]
                for week in weeks_of.monthdatescalendar(year, month)
            ],
        )
        for month in range(1, 13)
    ]


def _page(year: int, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    db = tenant_session()
    days = services.list_days(db, year)
    needed = services.years_to_keep_seeded()
    seeded = services.seeded_years(db, {year, *needed})
    page = render_template(
        "console/config/calendar.html",
        year=year,
        days=days,
        months=_months(year, {day.date: day for day in days}),
        weekdays=[_(name) for name in WEEKDAYS],
        kinds={kind: (_(title), sign) for kind, (title, sign) in KINDS.items()},
        seeded=year in seeded,
        unseeded_years=[y for y in needed if y not in seeded],
        hours={name: f"{value:%H:%M}" for name, value in zip(HOURS, _hours(services.office_hours(db)), strict=True)},
        errors=errors or {},
        values=values or {},
        today=services.today(),
    )
    return page, status


def _hours(hours: OfficeHours) -> tuple[dt.time, ...]:
    return (hours.morning_start, hours.morning_end, hours.afternoon_start, hours.afternoon_end)


@console.get("/calendar")
@province_admin_required
def calendar_year():
    return _page(_year(request.args.get("year")))


@console.post("/calendar/days")
@province_admin_required
def calendar_add_day():
    """Add a day, as ``POST /api/v1/calendar/days``."""
    raw_date = (request.form.get("date") or "").strip()
    kind = request.form.get("kind") or ""
    name = (request.form.get("name") or "").strip()
    values = {"date": raw_date, "kind": kind, "name": name}
    year = _year(request.form.get("year"))
    errors: dict[str, list[str]] = {}
    try:
        date = dt.date.fromisoformat(raw_date)
    except ValueError:
        errors["date"] = [_("Enter a date such as 2027-09-02.")]
    if len(name) > NAME_MAX:
        errors["name"] = [_("At most %(n)s characters.", n=NAME_MAX)]
    if errors:
        return _page(year, errors=errors, values=values, status=422)
    try:
        day = services.add_day(tenant_session(), session.actor(), date=date, kind=kind, name=name)
    except InvalidInput as error:
        return _page(year, errors=_messages(error.errors), values=values, status=422)
    except Conflict as error:
        return _page(year, errors=_messages(error.errors or {"date": [error.message]}), values=values, status=409)
    flash(_("%(date)s was added to the calendar.", date=day.date.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("console.calendar_year", year=day.date.year, _anchor="days"), 303)


def _messages(errors: dict) -> dict[str, list[str]]:
    return {name: [str(m) for m in messages] for name, messages in errors.items()}


@console.post("/calendar/days/<date>/remove")
@province_admin_required
def calendar_remove_day(date: str):
    """Remove a day, as ``DELETE /api/v1/calendar/days/<date>``: the date then follows Monday–Friday."""
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        return _page(services.today().year, errors={"_": [_("The date is invalid.")]}, status=422)
    services.remove_day(tenant_session(), session.actor(), day)  # not in the calendar: its 404
    flash(_("%(date)s was removed from the calendar.", date=day.strftime("%d/%m/%Y")), "success")
    return redirect(url_for("console.calendar_year", year=day.year, _anchor="days"), 303)


HOURS = ("morning_start", "morning_end", "afternoon_start", "afternoon_end")


@console.post("/calendar/office-hours")
@province_admin_required
def calendar_office_hours():
    """Change the office hours, as ``PUT /api/v1/calendar/office-hours``."""
    values = {name: (request.form.get(name) or "").strip() for name in HOURS}
    year = _year(request.form.get("year"))
    parsed, errors = {}, {}
    for name, raw in values.items():
        try:
            parsed[name] = dt.time.fromisoformat(raw) if len(raw) == 5 else None
        except ValueError:
            parsed[name] = None
        if parsed[name] is None:
            errors[name] = [_("Enter a time such as 07:30.")]
    if not errors:
        try:
            services.set_office_hours(tenant_session(), session.actor(), OfficeHours(**parsed))
        except InvalidInput as error:
            errors = _messages(error.errors)
    if errors:
        return _page(year, errors=errors, values=values, status=422)
    flash(_("The office hours are changed: deadlines count working hours within them from now on."), "success")
    return redirect(url_for("console.calendar_year", year=year, _anchor="hours-title"), 303)


@console.post("/calendar/seed")
@province_admin_required
def calendar_seed():
    """Load a year's holidays from the ``holidays`` package, as ``POST /api/v1/calendar/seed``: days an
    admin entered are kept."""
    raw = (request.form.get("seed-year") or "").strip()
    if not (raw.isascii() and raw.isdigit() and services.MIN_YEAR <= int(raw) <= services.MAX_YEAR):
        errors = {
            "seed-year": [
                _(
                    "Year must be between %(min_year)s and %(max_year)s.",
                    min_year=services.MIN_YEAR,
                    max_year=services.MAX_YEAR,
                )
            ]
        }
        return _page(services.today().year, errors=errors, values={"seed-year": raw}, status=422)
    year = int(raw)
    db = tenant_session()
    counts = services.seed_year(db, year)
    record(db, session.actor(), "calendar.seed", target=f"calendar:{year}", **counts)
    flash(
        _(
            "The holidays of %(year)s are loaded: %(added)s added, %(updated)s updated, %(removed)s removed, "
            "%(kept)s entered by an admin kept.",
            year=year,
            added=counts["added"],
            updated=counts["updated"],
            removed=counts["removed"],
            kept=counts["kept_admin"],
        ),
        "success",
    )
    return redirect(url_for("console.calendar_year", year=year), 303)
