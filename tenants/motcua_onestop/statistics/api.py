"""Dossier statistics for staff: any period, any slice, grouped, over the units the caller's lists cover (an
officer's units and those below; a province admin's whole province). docs/statistics.md."""

from flask.views import MethodView
from motcua_platform.errors import Forbidden
from motcua_platform.i18n import _
from motcua_platform.web.blueprint import Blueprint
from motcua_platform.web.context import tenant_session

from motcua_onestop.dossiers.http import caller_inbox_scope
from motcua_onestop.statistics import periods, services
from motcua_onestop.statistics.schemas import StatisticsArgsSchema, StatisticsSchema
from motcua_onestop.units.services import subtree_ids

blp = Blueprint(
    "statistics",
    __name__,
    url_prefix="/api/v1/statistics",
    realm="tenant",
    description="Statistics of the province's dossiers by period, unit, field, procedure, channel and online level.",
)


@blp.route("/dossiers")
class DossierStatistics(MethodView):
    @blp.arguments(StatisticsArgsSchema, location="query")
    @blp.response(200, StatisticsSchema)
    def get(self, args):
        """Received (by channel), resolved early / on time / late, pending within / past the deadline at the
        period's end, carried over, withdrawn, stopped, refused and supplement requests, for one period, with
        the on-time rate; one row per group with ``group_by``, and the total. Officers and province admins,
        over the units their lists cover; ``unit_id`` narrows to one of those units and the units below."""
        session = tenant_session()
        period = periods.period(args["period"], args.get("from_") or args.get("value"), until=args.get("until"))
        scope = caller_inbox_scope(session)
        units = None if scope.whole_tenant else scope.units
        if "unit_id" in args:
            if args["unit_id"] not in scope.units:
                raise Forbidden(_("That unit is not one of yours or below them."))
            units = frozenset(subtree_ids(session, {args["unit_id"]}))
        where = services.Slice(
            units=units,
            field=args.get("field"),
            procedure=args.get("procedure"),
            channel=args.get("channel"),
            level=args.get("level"),
        )
        group_by = args.get("group_by")
        rows = services.dossier_statistics(session, period, where, group_by)
        return {
            "period": {
                "kind": period.kind,
                "label": period.label,
                "first_day": period.first_day,
                "last_day": period.last_day,
            },
            "group_by": group_by,
            "rows": rows if group_by else [],
            "total": services.totals(rows) if group_by else rows[0],
        }
