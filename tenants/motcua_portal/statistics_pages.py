"""The province's public statistics (An Giang's plan: by period, field and agency — received, online and in
person, resolved on time and late, unresolved within and past the deadline — and the agencies ranked).
Public and without personal data. Charts are drawn on the server as SVG beside the figures they picture (no
script); the numbers follow docs/statistics.md. A period's figures are kept five minutes per process: a
public report need not be to the second, and a busy portal must not run the statement on every visit."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from motcua_onestop.calendar.services import today
from motcua_onestop.catalogue import services as catalogue
from motcua_onestop.statistics import periods, ranking, services
from motcua_onestop.statistics.services import Slice
from motcua_platform.cache import TTLCache
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import gettext as _
from motcua_platform.web.context import current_tenant, runtime, tenant_context, tenant_session
from motcua_platform.web.ratelimit import limit_per_client

from motcua_portal.blueprint import portal

KINDS = ("month", "quarter", "year")
RECENT = {"month": 12, "quarter": 8, "year": 5}  # how many of each kind the page offers, the current one first
FIGURES = TTLCache(max_entries=512, ttl=300)


def recent_periods(kind: str, on: dt.date) -> list[periods.Period]:
    """The current period of ``kind`` and those before it (``RECENT``)."""
    found = [periods.current(kind, on)]
    while len(found) < RECENT[kind] and (before := found[-1].previous()) is not None:
        found.append(before)
    return found


def title(period: periods.Period) -> str:
    """A period as people name it: "Month 3/2026", "Quarter 1/2026", "Year 2026"."""
    year, _sep, part = period.label.partition("-")
    if period.kind == "month":
        return _("Month %(month)s/%(year)s", month=int(part), year=year)
    if period.kind == "quarter":
        return _("Quarter %(quarter)s/%(year)s", quarter=part[1:], year=year)
    return _("Year %(year)s", year=year)


@portal.get("/statistics")
def statistics():
    # A question nobody asked in five minutes costs statements: limited per client, as tracking is, so that
    # walking through every year, field and agency cannot load the database (first, before any statement).
    asked = (
        "asked",
        current_tenant().slug,
        *(request.args.get(name, "")[:40] for name in ("period", "value", "field", "unit")),
    )
    if FIGURES.get(asked) is None:
        limit_per_client("statistics", runtime().config.tracking_per_minute)
        FIGURES.put(asked, True)
    session = tenant_session()
    kind = request.args.get("period") or "month"
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["period"] = [_("Choose a month, a quarter or a year.")]
        kind = "month"
    choices = recent_periods(kind, today())
    value = request.args.get("value") or choices[0].label
    try:  # any period may be linked to; the list offers the recent ones
        period = periods.period(kind, value[:20])
    except InvalidInput:
        errors["value"] = [_("Choose one of the periods listed.")]
        period = choices[0]
    if period.first_day > choices[0].first_day:  # a period to come has no figures yet
        errors["value"] = [_("Choose one of the periods listed.")]
        period = choices[0]
    if period not in choices:
        choices = [period, *choices]
    fields = [name for name, _count in catalogue.fields_of(session, tenant_context().enabled)]
    field = request.args.get("field") or None
    if field is not None and field not in fields:
        errors["field"] = [_("Choose one of the fields listed.")]
        field = None
    units = ranking.unit_rows(session)
    root = next((u.id for u in units.values() if u.parent_id is None), None)
    agencies = sorted(
        ((u.id, u.name) for u in units.values() if u.parent_id == root and root is not None and u.valid_to is None),
        key=lambda item: item[1],
    )
    agency = request.args.get("unit") or None
    if agency is not None and not (agency.isascii() and agency.isdigit() and int(agency) in dict(agencies)):
        errors["unit"] = [_("Choose one of the agencies listed.")]
        agency = None
    agency_id = int(agency) if agency else None
    figures = _figures(session, units, period, field, agency_id)
    page = render_template(
        "portal/statistics.html",
        kind=kind,
        period=period,
        period_title=title(period),
        period_options=[(p.label, title(p)) for p in choices],
        kind_options=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
        field=field,
        field_options=[(name, name) for name in fields],
        agency=agency_id,
        agency_options=agencies,
        agency_names=dict(agencies),
        errors=errors,
        **figures,
    )
    return page, (422 if errors else 200)


def _figures(session, units: dict, period: periods.Period, field: str | None, agency: int | None) -> dict:
    """The page's numbers for ``period`` (cached per tenant, period, field, agency; five minutes)."""
    info = current_tenant()
    key = (info.slug, period.label, field, agency)
    found = FIGURES.get(key)
    if found is None:
        owner = ranking.agencies(units)
        units = frozenset(u for u, top in owner.items() if top == agency) if agency is not None else None
        where = Slice(units=units, field=field)
        by_agency = ranking.agency_counts(session, period, where, owner)
        total = services.published(services.totals(by_agency.values()))
        rows = sorted(
            ((unit_id, services.published({**counts, "key": unit_id})) for unit_id, counts in by_agency.items()),
            key=lambda item: -item[1]["received"],
        )
        ranked = ranking.ranking(session, period, Slice(field=field)) if agency is None else []
        found = {"total": total, "rows": rows, "ranked": [r for r in ranked if r["rank"] is not None]}
        FIGURES.put(key, found)
    return found
