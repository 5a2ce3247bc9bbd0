"""The province's working calendar and deadlines. Reading and computing a due date are public (the
portal shows appointment dates); changing the calendar needs the tenant-admin role on the province."""

import datetime as dt

from flask.views import MethodView
from motcua_platform.audit.services import record
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.plugins.definitions import TimeLimit
from motcua_platform.timezones import VIETNAM
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import tenant_session
from motcua_platform.web.principals import actor, province_principal

from motcua_onestop.calendar import services
from motcua_onestop.calendar.engine import OfficeHours
from motcua_onestop.calendar.schemas import (
    CalendarDaySchema,
    CalendarSchema,
    DueArgsSchema,
    DueSchema,
    OfficeHoursSchema,
    OfficeHoursUpdateSchema,
    SeedArgsSchema,
    SeedResultSchema,
    YearArgsSchema,
)

blp = Blueprint(
    "calendar",
    __name__,
    url_prefix="/api/v1/calendar",
    realm="tenant",
    description="Working calendar (holidays, days off, make-up working days, office hours) and due dates.",
)


def _admin() -> None:
    province_principal(StaffRoleName.TENANT_ADMIN)


@blp.route("")
@blp.arguments(YearArgsSchema, location="query")
@blp.response(200, CalendarSchema)
@blp.doc(security=[])
def get_calendar(args):
    """A year's exceptions to the Monday–Friday week, and the office hours (public)."""
    session = tenant_session()
    year = args.get("year") or services.today().year
    needed = services.years_to_keep_seeded()
    seeded = services.seeded_years(session, {year, *needed})
    return {
        "year": year,
        "seeded": year in seeded,
        "unseeded_years": [y for y in needed if y not in seeded],
        "office_hours": services.office_hours(session),
        "days": services.list_days(session, year),
    }


@blp.route("/days")
class Days(MethodView):
    @blp.arguments(CalendarDaySchema)
    @blp.response(201, CalendarDaySchema)
    def post(self, body):
        """Add a holiday, a day off or a make-up working day (tenant admin of the province)."""
        _admin()
        session = tenant_session()
        day = services.add_day(session, actor(), **body)
        return day


@blp.route("/days/<string:date>")
class DayItem(MethodView):
    @blp.response(204)
    def delete(self, date):
        """Remove a day from the calendar; the date then follows the Monday–Friday rule."""
        _admin()
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise InvalidInput(
                _("The date is invalid."), {"date": [_("'%(date)s' is not a date (YYYY-MM-DD).", date=date)]}
            ) from None
        session = tenant_session()
        services.remove_day(session, actor(), day)


@blp.route("/office-hours", methods=["PUT"])
@blp.arguments(OfficeHoursUpdateSchema)
@blp.response(200, OfficeHoursSchema)
def put_office_hours(body):
    """Change the office hours (tenant admin of the province): deadlines count working hours within them."""
    _admin()
    return services.set_office_hours(tenant_session(), actor(), OfficeHours(**body))


@blp.route("/seed", methods=["POST"])
@blp.arguments(SeedArgsSchema, location="query")
@blp.response(200, SeedResultSchema)
def seed(args):
    """(Re-)load a year's holidays from the holidays package; days entered by an admin are kept."""
    _admin()
    session = tenant_session()
    counts = services.seed_year(session, args["year"])
    record(session, actor(), "calendar.seed", target=f"calendar:{args['year']}", **counts)
    return {"year": args["year"], **counts}


@blp.route("/due")
@blp.arguments(DueArgsSchema, location="query")
@blp.response(200, DueSchema)
@blp.doc(security=[])
def due(args):
    """When a result is due for a dossier received at ``received_at`` with the given time limit (public)."""
    limit = TimeLimit(value=args["value"], unit=args["unit"], same_day_cutoff_hour=args.get("cutoff"))
    problems = limit.problems()
    if problems:
        raise InvalidInput(_("The time limit is invalid."), {"value": problems})
    received_at = args["received_at"]
    calendar = services.load_calendar(tenant_session(), since=received_at.astimezone(VIETNAM).date())
    try:
        due_at = calendar.due_at(received_at, limit)
        intake_at = calendar.intake(received_at)
    except (ValueError, OverflowError) as exc:  # beyond year 9999, or no working day left in the calendar
        raise InvalidInput(_("No due date can be computed."), {"received_at": [str(exc)]}) from None
    return {
        "received_at": received_at.astimezone(VIETNAM),
        "intake_at": intake_at,
        "due_at": due_at,
        "due_date": due_at.date(),
        "warnings": services.not_seeded_warnings(calendar, intake_at, due_at),
    }
