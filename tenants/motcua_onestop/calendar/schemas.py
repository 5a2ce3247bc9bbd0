from marshmallow import ValidationError, fields, validate
from motcua_platform.i18n import gettext
from motcua_platform.plugins.definitions import TimeUnit
from motcua_platform.timezones import VIETNAM
from motcua_platform.web.schema import Schema

from motcua_onestop.calendar.models import DayKind
from motcua_onestop.calendar.services import MAX_YEAR, MIN_YEAR

YEAR = validate.Range(min=MIN_YEAR, max=MAX_YEAR)


def _in_calendar_years(moment) -> None:
    # the calendar covers these years only; far outside them Vietnam's time zone has pre-1906 local mean
    # time offsets (+07:06:30), which no RFC 3339 date-time can carry
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise ValidationError(
            gettext("Must be in the years %(min_year)s to %(max_year)s.", min_year=MIN_YEAR, max_year=MAX_YEAR)
        )


class CalendarDaySchema(Schema):
    date = fields.Date(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf([k.value for k in DayKind]),
        metadata={"description": "holiday, day_off, or working_day (a make-up working Saturday/Sunday)."},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(dump_only=True, metadata={"description": "holidays (seeded) or admin."})


class OfficeHoursSchema(Schema):
    morning_start = fields.Time(format="%H:%M")
    morning_end = fields.Time(format="%H:%M")
    afternoon_start = fields.Time(format="%H:%M")
    afternoon_end = fields.Time(format="%H:%M")


class OfficeHoursUpdateSchema(Schema):
    morning_start = fields.Time(required=True, format="%H:%M", metadata={"description": "HH:MM, Vietnam time."})
    morning_end = fields.Time(required=True, format="%H:%M")
    afternoon_start = fields.Time(required=True, format="%H:%M", metadata={"description": "At or after morning_end."})
    afternoon_end = fields.Time(required=True, format="%H:%M")


class CalendarWarningSchema(Schema):
    code = fields.String(metadata={"description": "calendar_year_not_seeded"})
    year = fields.Integer()
    message = fields.String()


class CalendarSchema(Schema):
    year = fields.Integer()
    seeded = fields.Boolean(
        metadata={"description": "Whether the year's holidays are loaded; if not, its dates follow Monday–Friday."}
    )
    unseeded_years = fields.List(
        fields.Integer(),
        metadata={
            "description": "Years the province needs (from this year to two after next) whose holidays are not "
            "loaded yet; a daily task loads them, a tenant admin can with POST /api/v1/calendar/seed."
        },
    )
    office_hours = fields.Nested(OfficeHoursSchema)
    days = fields.List(
        fields.Nested(CalendarDaySchema),
        metadata={"description": "Dates that differ from the Monday–Friday week; other dates follow it."},
    )


class YearArgsSchema(Schema):
    year = fields.Integer(validate=YEAR, metadata={"description": "Defaults to the current year."})


class SeedArgsSchema(Schema):
    year = fields.Integer(required=True, validate=YEAR)


class SeedResultSchema(Schema):
    year = fields.Integer()
    added = fields.Integer()
    updated = fields.Integer()
    removed = fields.Integer()
    kept_admin = fields.Integer(metadata={"description": "Days entered by an admin, left as they are."})


class DueArgsSchema(Schema):
    received_at = fields.AwareDateTime(
        required=True,
        default_timezone=VIETNAM,
        validate=_in_calendar_years,
        metadata={
            "description": f"ISO 8601, in the years {MIN_YEAR} to {MAX_YEAR}; without an offset it is read as "
            "Vietnam time (UTC+7)."
        },
    )
    value = fields.Integer(required=True, validate=validate.Range(min=0, max=1000))
    unit = fields.String(required=True, validate=validate.OneOf([u.value for u in TimeUnit]))
    cutoff = fields.Integer(
        validate=validate.Range(min=1, max=23),
        metadata={"description": "Same-day cut-off hour: received before it, due at closing time the same day."},
    )


class DueSchema(Schema):
    received_at = fields.DateTime()
    intake_at = fields.DateTime(metadata={"description": "When the clock starts (after-hours intake rolls on)."})
    due_at = fields.DateTime()
    due_date = fields.Date()
    warnings = fields.List(
        fields.Nested(CalendarWarningSchema),
        metadata={"description": "E.g. the due date was counted through a year whose holidays are not loaded."},
    )
