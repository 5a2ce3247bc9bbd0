"""Statistics for officers and province admins: a period's numbers over the units their lists cover, grouped
by unit, field, procedure, channel or online level, each number a link to the dossiers behind it; the QĐ 766
scorecard of the same slice and the agencies ranked; the weekly reports.

The same services as the statistics API (``statistics/api.py``) with the same scope: ``caller_inbox_scope``
and ``services.caller_slice`` (a unit outside the caller's is a 403). The dossiers behind a number are those
the number counted (``services.dossiers_behind``, the same condition), each a link to its page. The weekly
reports (``statistics.reports``): the list with their files for the province's staff, making this week's now
and the schedule's settings for province admins."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from motcua_onestop.calendar.services import today as calendar_today
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.http import caller_inbox_scope
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.statistics import indicators, periods, ranking, reports, services, targets
from motcua_onestop.units.services import unit_names
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput
from motcua_platform.rendering.pdf import find_font
from motcua_platform.web.context import runtime, tenant_context, tenant_session
from motcua_platform.web.principals import actor, province_principal
from sqlalchemy import select

from motcua_console import labels
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.config_access import holds_on_province, is_province_admin, province_admin_required
from motcua_console.labels import N_

KINDS = {
    "day": N_("Day"),
    "week": N_("Week"),
    "month": N_("Month"),
    "quarter": N_("Quarter"),
    "year": N_("Year"),
    "custom": N_("From one date to another"),
}
GROUPS = {
    "unit": N_("Receiving unit"),
    "field": N_("Field"),
    "procedure": N_("Procedure"),
    "channel": N_("Channel"),
    "level": N_("Online level"),
}
# the numbers the table shows, each a column that drills down to its dossiers
COLUMNS = {
    "carried_over": N_("Carried over"),
    "received": N_("Dossiers received"),
    "received_online": N_("of which online"),
    "resolved": N_("Resolved"),
    "resolved_early": N_("Early"),
    "resolved_on_time": N_("On time"),
    "resolved_late": N_("Late"),
    "pending": N_("Still open"),
    "pending_past_due": N_("of which past due"),
    "withdrawn": N_("Withdrawn"),
    "stopped": N_("Stopped"),
    "refused": N_("Refused at intake"),
}
AMONG = {
    "commune": N_("Communes and wards"),
    "department": N_("Departments"),
    "sector_office": N_("Sector offices"),
    "service_centre": N_("Service centres"),
}
LEVELS = {"full": N_("Fully online"), "partial": N_("Partly online"), "none": N_("In person only")}
TIME_UNITS = {"hours": N_("hours"), "days": N_("days"), "working_days": N_("working days"), "months": N_("months")}
PAGE_SIZE = 20


def _choices(session, scope) -> dict:
    """What the form offers: the caller's units by name, the catalogue's fields."""
    names = unit_names(session)
    units = sorted(((u, names.get(u, str(u))) for u in scope.units), key=lambda item: item[1])
    fields = [name for name, _count in catalogue.fields_of(session, tenant_context().enabled)]
    return {"names": names, "unit_options": units, "field_options": [(f, f) for f in fields]}


def _read_args(session, scope) -> tuple[dict, dict[str, list[str]], periods.Period, services.Slice]:
    """The form's values, the problems with them, and the period and slice they name (a bad value falls
    back to this month, or no filter, so the page still shows something beside the error)."""
    errors: dict[str, list[str]] = {}
    kind = request.args.get("period") or "month"
    if kind not in KINDS:
        errors["period"] = [_("Choose one of the periods listed.")]
        kind = "month"
    value = (request.args.get("value") or _this(kind).label)[:30]
    try:
        period = _period(kind, value)
    except InvalidInput as problem:
        errors["value"] = [str(message) for messages in problem.errors.values() for message in messages]
        period = _this(kind)
        value = period.label
    group_by = request.args.get("group_by") or "unit"
    if group_by not in GROUPS:
        errors["group_by"] = [_("Choose one of the groupings listed.")]
        group_by = "unit"
    raw_unit = request.args.get("unit_id") or ""
    unit_id = int(raw_unit) if raw_unit.isascii() and raw_unit.isdigit() else None
    if raw_unit and (unit_id is None or unit_id not in scope.units):
        errors["unit_id"] = [_("Choose one of your units.")]
        unit_id = None
    field = request.args.get("field") or None
    where = services.caller_slice(session, scope, unit_id, field=field)
    args = {"period": kind, "value": value, "group_by": group_by, "unit_id": unit_id, "field": field}
    return args, errors, period, where


def _period(kind: str, value: str) -> periods.Period:
    """The period the form names; custom dates written ``2026-11-01..2026-11-15``, as a custom period's label."""
    if kind != "custom":
        return periods.period(kind, value)
    first, _dots, last = value.partition("..")
    return periods.period("custom", first.strip(), until=last.strip() or first.strip())


def _this(kind: str) -> periods.Period:
    """The period of ``kind`` that holds today; for custom dates, this month up to today."""
    today = calendar_today()
    return periods.custom(today.replace(day=1), today) if kind == "custom" else periods.current(kind, today)


def _key_label(group_by: str, key, names: dict) -> str:
    if key is None:
        return _("None")
    if group_by == "unit":
        return names.get(key, str(key))
    if group_by == "channel":
        return labels.channel(key)
    if group_by == "level":
        return _(LEVELS[key]) if key in LEVELS else str(key)
    return str(key)


@console.get("/statistics")
@staff_required
def statistics():
    session = tenant_session()
    scope = caller_inbox_scope(session)
    args, errors, period, where = _read_args(session, scope)
    choices = _choices(session, scope)
    rows, total = services.dossier_statistics(session, period, where, args["group_by"])
    card = indicators.province_scorecard(session, period, where, tenant_context().enabled)
    rank_by = request.args.get("rank_by") or None
    if rank_by is not None and rank_by not in indicators.SCORED_BY_UNIT:
        errors["rank_by"] = [_("Choose one of the rankings listed.")]
        rank_by = None
    among = request.args.get("among") or None
    if among is not None and among not in ranking.KINDS:
        errors["among"] = [_("Choose one of the kinds listed.")]
        among = None
    ranked = ranking.ranking(session, period, where, indicator=rank_by, kind=among)
    return render_template(
        "console/statistics.html",
        args=args,
        errors=errors,
        period=period,
        rows=[(row, _key_label(args["group_by"], row["key"], choices["names"])) for row in rows],
        total=total,
        card=card,
        ranked=ranked,
        rank_by=rank_by,
        among=among,
        among_options=[(kind, _(AMONG[kind])) for kind in ranking.KINDS],
        rank_options=[(i.id, f"{i.id} {i.name}") for i in indicators.INDICATORS if i.id in indicators.SCORED_BY_UNIT],
        reads_reports=holds_on_province(*REPORT_READERS),
        columns=[(name, _(title)) for name, title in COLUMNS.items()],
        kind_options=[(name, _(title)) for name, title in KINDS.items()],
        group_options=[(name, _(title)) for name, title in GROUPS.items()],
        time_units={name: _(title) for name, title in TIME_UNITS.items()},
        behind_url=lambda number, key=None, grouped=True: url_for(
            "console.statistics_dossiers",
            number=number,
            **{k: v for k, v in args.items() if v is not None and (grouped or k != "group_by")},
            **({"key": key} if grouped else {}),
        ),
        **choices,
    ), (422 if errors else 200)


@console.get("/statistics/dossiers")
@staff_required
def statistics_dossiers():
    """The dossiers behind one number of the statistics page (the same period, slice and group)."""
    session = tenant_session()
    scope = caller_inbox_scope(session)
    args, errors, period, where = _read_args(session, scope)
    number = request.args.get("number", "")
    if errors or number not in COLUMNS:
        abort(404)
    key = request.args.get("key")
    group_by = args["group_by"] if key is not None else None
    if group_by == "unit":
        key = int(key) if key.isascii() and key.isdigit() else abort(404)
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < int(page) < 10_000 else 1
    ids = services.dossiers_behind(
        session, period, where, number, group_by=group_by, key=key, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
    )
    more = len(ids) > PAGE_SIZE
    found = {d.id: d for d in session.scalars(select(Dossier).where(Dossier.id.in_(ids[:PAGE_SIZE])))}
    listed = [found[i] for i in ids[:PAGE_SIZE] if i in found]
    choices = _choices(session, scope)
    return render_template(
        "console/statistics_dossiers.html",
        args=args,
        period=period,
        number=number,
        number_title=_(COLUMNS[number]),
        group_title=_key_label(args["group_by"], key, choices["names"]) if group_by else None,
        dossiers=listed,
        procedures={d.id: dossiers.procedure_of(session, d) for d in listed},
        names=choices["names"],
        page=page,
        more=more,
        page_url=lambda n: url_for("console.statistics_dossiers", **{**request.args.to_dict(), "page": n}),
        back_url=url_for("console.statistics", **{k: v for k, v in args.items() if v is not None}),
    )


# -- the weekly reports ---------------------------------------------------------------------------------------
REPORT_READERS = ("tenant_admin", "officer")
WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday"))


@console.get("/statistics/reports")
@staff_required
def statistics_reports():
    """The weekly reports kept (the link in the report's e-mail), and for a province admin the settings and
    making this week's report now. Staff of the province itself (the API's rule)."""
    province_principal(*REPORT_READERS)
    return _reports_page()


def _reports_page(errors: dict | None = None, form: dict | None = None, status: int = 200):
    db = tenant_session()
    settings = reports.settings_of(db)
    shown = form or {
        "enabled": settings.enabled,
        "weekday": settings.weekday,
        "hour": settings.hour,
        "recipients": "\n".join(settings.recipients),
    }
    return render_template(
        "console/statistics_reports.html",
        reports=reports.list_reports(db),
        admin=is_province_admin(),
        form=shown,
        errors=errors or {},
        weekday_options=[(str(number), _(name)) for number, name in enumerate(WEEKDAYS)],
        hour_options=[(str(hour), f"{hour:02d}:00") for hour in range(24)],
    ), status


@console.get("/statistics/reports/<int:report_id>/report.<kind>")
@staff_required
def statistics_report_file(report_id: int, kind: str):
    province_principal(*REPORT_READERS)
    body, mimetype, name = reports.report_file(tenant_session(), report_id, kind)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@console.post("/statistics/reports")
@province_admin_required
def statistics_report_make():
    """Make the latest scheduled week's report now, as the schedule would (the week's report made already is
    left as it is: a week has one report)."""
    db = tenant_session()
    font = find_font(runtime().config.pdf_font)
    run_day = reports.latest_run_day(reports.settings_of(db), utcnow())
    report, created = reports.make_report(db, tenant_context(), actor(), run_day, font)
    if created:
        flash(_("The report of %(first)s – %(last)s was made.", first=report.first_day.strftime("%d/%m/%Y"),
                last=report.last_day.strftime("%d/%m/%Y")), "success")  # fmt: skip
    else:
        flash(_("This week's report was made already."), "info")
    return redirect(url_for("console.statistics_reports"), 303)


@console.post("/statistics/reports/settings")
@province_admin_required
def statistics_report_settings():
    form = {
        "enabled": request.form.get("enabled") == "on",
        "weekday": request.form.get("weekday", ""),
        "hour": request.form.get("hour", ""),
        "recipients": request.form.get("recipients", "")[:6000],
    }
    addresses = [line.strip() for line in re.split(r"[\s,;]+", form["recipients"]) if line.strip()]
    number = {name: _small_int(form[name]) for name in ("weekday", "hour")}
    try:
        reports.update_settings(tenant_session(), actor(), enabled=form["enabled"], recipients=addresses, **number)
    except InvalidInput as problem:
        tenant_session().rollback()
        errors = {name: [str(m) for m in messages] for name, messages in problem.errors.items()}
        return _reports_page(errors, form, 422)
    flash(_("The report settings were saved."), "success")
    return redirect(url_for("console.statistics_reports"), 303)


# -- roadmap targets ------------------------------------------------------------------------------------------
METRICS = {
    "online_dossier_rate": N_("Online dossier rate (3.3)"),
    "on_time_rate": N_("On-time rate (2.1)"),
    "digitisation_rate": N_("Digitisation rate (4.2)"),
    "e_result_rate": N_("Electronic results (4.1)"),
    "online_procedures": N_("Procedures offered online (3.1)"),
    "full_online_procedures": N_("Procedures fully online"),
    "online_payment_rate": N_("Online payment rate (3.6)"),
}
NEW_UNIT_TARGETS = 2  # blank rows the form offers for targets of one unit


def _small_int(raw: str, digits: int = 4) -> int:
    """A whole number a form sent, or -1 (out of every range the services accept) when it is not one."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= digits else -1


def _year_arg() -> int:
    raw = request.args.get("year", "")
    return int(raw) if raw.isascii() and raw.isdigit() and 2000 <= int(raw) <= 2099 else calendar_today().year


@console.get("/statistics/targets")
@staff_required
def statistics_targets():
    """The year's roadmap targets with where each stands (officers: the province's and their units'), and for
    a province admin the form that sets them."""
    return _targets_page(_year_arg())


def _targets_page(year: int, errors: dict | None = None, entries: list[dict] | None = None, status: int = 200):
    db = tenant_session()
    scope = caller_inbox_scope(db)
    units = None if scope.whole_tenant else scope.units
    progress = targets.progress(db, year, units, tenant_context().enabled)
    admin = is_province_admin()
    names = unit_names(db)
    if entries is None:
        entries = [
            {"metric": t["metric"], "unit_id": t["unit_id"], "target": t["target"], "baseline": t["baseline"]}
            for t in progress["targets"]
        ]
    province_targets = {e["metric"]: e for e in entries if e["unit_id"] is None}
    return render_template(
        "console/statistics_targets.html",
        year=year,
        progress=progress,
        admin=admin,
        errors=errors or {},
        metrics=[(name, _(title)) for name, title in METRICS.items()],
        metric_names={name: _(title) for name, title in METRICS.items()},
        province_targets=province_targets,
        unit_entries=[e for e in entries if e["unit_id"] is not None] + [{}] * NEW_UNIT_TARGETS,
        unit_options=sorted(names.items(), key=lambda item: item[1]),
        province_only=targets.PROVINCE_ONLY,
    ), status


@console.post("/statistics/targets")
@province_admin_required
def statistics_targets_save():
    """The form's targets replace the year's (``targets.set_targets``): a blank target is no target."""
    year = _year_arg()
    form = request.form
    entries, fields = [], []  # each entry, and the form's name for its fields (to put an error beside them)
    for name in METRICS:
        if value := form.get(f"target-{name}", "").strip():
            entries.append(
                {"metric": name, "unit_id": None, "target": value, "baseline": form.get(f"baseline-{name}", "")}
            )
            fields.append(f"{{field}}-{name}")
    for number in range(min(max(_small_int(form.get("unit_rows", "")), 0), 200)):
        value, unit = form.get(f"unit-target-{number}", "").strip(), form.get(f"unit-{number}", "")
        if value or unit:
            entries.append({
                "metric": form.get(f"unit-metric-{number}", ""),
                "unit_id": _small_int(unit, digits=18),
                "target": value,
                "baseline": form.get(f"unit-baseline-{number}", ""),
            })  # fmt: skip
            # named by its place among the unit rows kept: the page drawn again numbers them so
            fields.append(f"unit-{{field}}-{sum(1 for e in entries if e['unit_id'] is not None) - 1}")
    errors: dict[str, list[str]] = {}
    cleaned = []
    for entry, field in zip(entries, fields, strict=True):
        numbers = {}
        for name in ("target", "baseline"):
            raw = entry[name].strip().replace(",", ".")
            try:
                numbers[name] = Decimal(raw[:20]) if raw else None
            except InvalidOperation:
                numbers[name] = None
            if raw and (numbers[name] is None or not numbers[name].is_finite()):
                errors[field.format(field=name)] = [_("Write a percentage, e.g. 50 or 33,2.")]
        if numbers.get("target") is None and field.format(field="target") not in errors:
            errors[field.format(field="target")] = [_("Write the target, or leave the row empty.")]
        cleaned.append(entry | numbers)
    if not errors:
        try:
            targets.set_targets(tenant_session(), actor(), year, cleaned)
        except InvalidInput as problem:
            tenant_session().rollback()
            for key, messages in problem.errors.items():
                parts = key.split(".")  # targets.<n>.<field>
                index_ok = len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(fields)
                name = fields[int(parts[1])].format(field=parts[2]) if index_ok else key
                errors[name] = [str(message) for message in messages]
    if errors:
        return _targets_page(year, errors, entries, 422)
    flash(_("The targets of %(year)s were saved.", year=year), "success")
    return redirect(url_for("console.statistics_targets", year=year), 303)
