"""Staff's statistics: dossier statistics, QĐ 766 indicators, the ranking of agencies, roadmap targets and the
weekly reports: any period, any slice, over
the units the caller's lists cover (an officer's units and those below; a province admin's whole province).
docs/statistics.md."""

import datetime as dt

from flask import Response
from flask.views import MethodView
from motcua_platform.auth.models import StaffRoleName
from motcua_platform.rendering.pdf import find_font
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import runtime, tenant_context, tenant_session
from motcua_platform.web.principals import actor, province_principal

from motcua_onestop.dossiers.http import caller_inbox_scope
from motcua_onestop.statistics import indicators, periods, ranking, reports, services, targets
from motcua_onestop.statistics.schemas import (
    IndicatorsArgsSchema,
    MakeReportArgsSchema,
    RankingArgsSchema,
    RankingSchema,
    ReportListSchema,
    ReportSchema,
    ReportSettingsSchema,
    ScorecardSchema,
    StatisticsArgsSchema,
    StatisticsSchema,
    TargetsArgsSchema,
    TargetsBodySchema,
    TargetsSchema,
)

blp = Blueprint(
    "statistics",
    __name__,
    url_prefix="/api/v1/statistics",
    realm="tenant",
    description="Statistics of the province's dossiers by period, unit, field, procedure, channel and online level; "
    "QĐ 766 indicators and scores; agencies ranked.",
)


def _period_and_slice(session, args) -> tuple[periods.Period, services.Slice]:
    """The period the arguments name and the caller's slice (``services.caller_slice``)."""
    custom = args["period"] == "custom"  # "from" and "until" name a custom range; any other period its value
    period = periods.period(args["period"], args.get("from_") if custom else args.get("value"), until=args.get("until"))
    filters = {name: args.get(name) for name in ("field", "procedure", "channel", "level")}
    return period, services.caller_slice(session, caller_inbox_scope(session), args.get("unit_id"), **filters)


@blp.route("/dossiers")
class DossierStatistics(MethodView):
    @blp.arguments(StatisticsArgsSchema, location="query")
    @blp.response(200, StatisticsSchema)
    def get(self, args):
        """Received (by channel), resolved early / on time / late, pending within / past the deadline at the
        period's end, carried over, withdrawn, stopped, refused and supplement requests, for one period, with
        the on-time rate and, by procedure, the average processing time; one row per group with
        ``group_by``, and the total. Officers and province admins, over the units their lists cover;
        ``unit_id`` narrows to one of those units and the units below."""
        session = tenant_session()
        period, where = _period_and_slice(session, args)
        group_by = args.get("group_by")
        rows, total = services.dossier_statistics(session, period, where, group_by)
        return {"period": period, "group_by": group_by, "rows": rows, "total": total}


@blp.route("/indicators")
class Indicators(MethodView):
    @blp.arguments(IndicatorsArgsSchema, location="query")
    @blp.response(200, ScorecardSchema)
    def get(self, args):
        """The QĐ 766 indicators of a period: each one's rate (N/A on a zero denominator), score and why it is
        not computed when the platform has no record for it yet; the five group scores and the total, each
        out of the points that could be scored; 2.2 per procedure. The catalogue indicators (1.3, 3.1, 3.2)
        come with the whole province only (no slice)."""
        session = tenant_session()
        period, where = _period_and_slice(session, args)
        card = indicators.province_scorecard(session, period, where, tenant_context().enabled)
        return {"period": period, **card}


@blp.route("/ranking")
class Ranking(MethodView):
    @blp.arguments(RankingArgsSchema, location="query")
    @blp.response(200, RankingSchema)
    def get(self, args):
        """Agencies (the units directly under the province, each with the units below it) or receiving units,
        ranked by the share of the dossier indicators' points they earned, or by one indicator's rate, with
        the previous period's value and rank and the change; ``kind`` ranks communes (or departments…) among
        themselves."""
        session = tenant_session()
        period, where = _period_and_slice(session, args)
        by, indicator = args.get("by", "agency"), args.get("indicator")
        rows = ranking.ranking(session, period, where, by, indicator, kind=args.get("kind"))
        previous = period.previous()
        return {"period": period, "previous_period": previous, "by": by, "indicator": indicator, "rows": rows}


@blp.route("/targets")
class Targets(MethodView):
    @blp.arguments(TargetsArgsSchema, location="query")
    @blp.response(200, TargetsSchema)
    def get(self, args):
        """A year's roadmap targets with where each stands: the year to date, the monthly rates, the projection
        to 31 December if their trend holds and whether that reaches the target; a province target with each
        agency's. Officers see the province's targets and their units'; province admins all."""
        session = tenant_session()
        scope = caller_inbox_scope(session)
        units = None if scope.whole_tenant else scope.units
        return targets.progress(session, args["year"], units, tenant_context().enabled)

    @blp.arguments(TargetsArgsSchema, location="query")
    @blp.arguments(TargetsBodySchema)
    @blp.response(200, TargetsSchema)
    def put(self, args, body):
        """Set a year's targets (all of them: the list replaces the year's). Province admins only (the role on
        the province itself); a bad entry is a 422 naming it, and nothing changes."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        session = tenant_session()
        targets.set_targets(session, actor(), args["year"], body["targets"])
        return targets.progress(session, args["year"], None, tenant_context().enabled)


REPORT_READERS = (StaffRoleName.TENANT_ADMIN, StaffRoleName.OFFICER)


@blp.route("/reports")
class Reports(MethodView):
    @blp.response(200, ReportListSchema)
    def get(self):
        """The weekly reports kept, newest week first. Province admins and officers of the province itself."""
        province_principal(*REPORT_READERS)
        return {"reports": reports.list_reports(tenant_session())}

    @blp.arguments(MakeReportArgsSchema, location="query")
    @blp.response(201, ReportSchema)
    @blp.alt_response(200, schema=ReportSchema, description="That week's report was already made.")
    def post(self, args):
        """Make a week's report now, as the schedule would (kept, metered, announced): by default the latest
        scheduled day's, or ``run_day``, an earlier day on the province's report weekday; the week's report
        made already comes back unchanged (200). A week has one report whoever makes it."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        session = tenant_session()
        run_day = reports.chosen_run_day(reports.settings_of(session), args.get("run_day"), dt.datetime.now(dt.UTC))
        font = find_font(runtime().config.pdf_font)
        report, created = reports.make_report(session, tenant_context(), actor(), run_day, font)
        return report, (201 if created else 200)


@blp.route("/reports/settings")
class ReportSettings(MethodView):
    @blp.response(200, ReportSettingsSchema)
    def get(self):
        """When the weekly report is made and who is told. Province admins."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        return reports.settings_of(tenant_session())

    @blp.arguments(ReportSettingsSchema)
    @blp.response(200, ReportSettingsSchema)
    def put(self, body):
        """Set the weekly report's day, hour, addresses and whether it runs; a bad address is a 422 naming it."""
        province_principal(StaffRoleName.TENANT_ADMIN)
        return reports.update_settings(tenant_session(), actor(), **body)


REPORT_FILE_DOC = {"200": {"description": "The report's file", "content": {m: {} for m in reports.FILES.values()}}}


@blp.route("/reports/<int:report_id>/report.<string:kind>")
@blp.doc(responses=REPORT_FILE_DOC)
def report_file(report_id: int, kind: str):
    """One report's file as it was made: ``report.xlsx`` or ``report.pdf``."""
    province_principal(*REPORT_READERS)
    body, mimetype, name = reports.report_file(tenant_session(), report_id, kind)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
