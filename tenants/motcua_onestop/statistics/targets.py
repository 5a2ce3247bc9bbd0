"""Roadmap targets (Phú Thọ, Long An, Bến Tre): a province sets, for a year, the rates it means to reach — for
the whole province or one unit — and sees where each stands and where it is heading.

- **Value**: the year to date (from 1 January to today, or the whole year once it is over), computed as the
  QĐ 766 indicator the metric names (``METRIC_INDICATORS``), for the target's unit and the units below it.
- **Projection**: the rate at the year's end if the months so far keep their trend: the least-squares line
  through the monthly rates, read at December (clamped to 0–100); with one month, that month's rate. The
  catalogue's shares (procedures online) are states, not flows: their projection is the value now.
- **On track**: the projection reaches the target (None while there is nothing to project).
- A province target also lists each agency's value and projection against it (``units``), so a province sees
  which units carry it and which hold it back.

Setting a year's targets replaces them all in one transaction, checked first: a bad entry changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from motcua_platform.audit.services import Actor, record
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.timezones import VIETNAM
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from motcua_onestop.statistics import indicators, periods, services
from motcua_onestop.statistics.models import METRICS, RoadmapTarget
from motcua_onestop.statistics.ranking import agency, ancestry, unit_rows
from motcua_onestop.statistics.services import Slice

METRIC_INDICATORS = {  # metric -> the indicator (or catalogue share) it is measured by
    "on_time_rate": "2.1",
    "online_dossier_rate": "3.3",
    "digitisation_rate": "4.2",
    "e_result_rate": "4.1",
    "online_procedures": "3.1",
    "full_online_procedures": "full_online",
    "online_payment_rate": "3.6",
}
assert set(METRIC_INDICATORS) == set(METRICS)
PROVINCE_ONLY = frozenset({"online_procedures", "full_online_procedures"})  # the catalogue is the province's
MAX_TARGETS = 200


def set_targets(session: Session, actor: Actor, year: int, entries: Iterable[Mapping]) -> list[RoadmapTarget]:
    """Replace ``year``'s targets by ``entries`` (``metric``, ``target``, optional ``unit_id`` and
    ``baseline``); 422 naming each bad entry's field, with nothing changed."""
    entries = list(entries)
    errors: dict[str, list[str]] = {}
    if not 2000 <= year <= 2099:
        errors["year"] = [_("Must be a year from 2000 to 2099.")]
    if len(entries) > MAX_TARGETS:
        errors["targets"] = [_("At most %(count)s targets a year.", count=MAX_TARGETS)]
    units = set(session.scalars(text("SELECT id FROM units")))
    seen = set()
    for index, entry in enumerate(entries):
        where = f"targets.{index}"
        metric, unit_id = entry["metric"], entry.get("unit_id")
        if metric not in METRICS:
            errors[f"{where}.metric"] = [_("Must be one of: %(metrics)s.", metrics=", ".join(METRICS))]
        elif unit_id is not None and metric in PROVINCE_ONLY:
            errors[f"{where}.unit_id"] = [_("A catalogue share is the province's: leave the unit out.")]
        if unit_id is not None and unit_id not in units:
            errors[f"{where}.unit_id"] = [_("No unit %(id)s.", id=unit_id)]
        for name in ("target", "baseline"):
            value = entry.get(name)
            if value is not None and not _percentage(value):
                errors[f"{where}.{name}"] = [_("Must be a percentage from 0 to 100.")]
        if (metric, unit_id) in seen:
            errors[f"{where}.metric"] = [_("This metric already has a target for this unit this year.")]
        seen.add((metric, unit_id))
    if errors:
        raise InvalidInput(_("The targets were not saved."), errors)
    # two admins saving the same year one after the other, not interleaved (the second's delete would not see
    # the first's rows and its inserts would collide): the later save wins whole
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('statistics_targets'), :year)"), {"year": year})
    session.execute(delete(RoadmapTarget).where(RoadmapTarget.year == year))
    rows = [
        RoadmapTarget(
            year=year,
            unit_id=entry.get("unit_id"),
            metric=entry["metric"],
            target=Decimal(str(entry["target"])),
            baseline=Decimal(str(entry["baseline"])) if entry.get("baseline") is not None else None,
            set_by=str(actor),
        )
        for entry in entries
    ]
    session.add_all(rows)
    session.flush()
    record(session, actor, "statistics.targets_set", target=f"targets:{year}", count=len(rows))
    return rows


def _percentage(value) -> bool:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return False
    return number.is_finite() and Decimal(0) <= number <= Decimal(100)


def progress(
    session: Session,
    year: int,
    units: frozenset[int] | None,
    enabled: Iterable[str],
    *,
    now: dt.datetime | None = None,
) -> dict:
    """Each of ``year``'s targets the caller may see (``units``: theirs, None for the whole province: the
    province's targets and those of their units) with its value, monthly rates, projection and whether it is
    on track; a province target with the caller's agencies'."""
    now = now or dt.datetime.now(dt.UTC)
    today = now.astimezone(VIETNAM).date()
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    until = min(last, today)
    query = select(RoadmapTarget).where(RoadmapTarget.year == year).order_by(RoadmapTarget.id)
    targets = [t for t in session.scalars(query) if units is None or t.unit_id is None or t.unit_id in units]
    units_of = unit_rows(session)
    names = {unit_id: row.name for unit_id, row in units_of.items()}
    if until < first or not targets:
        return {"year": year, "as_of": None if until < first else until, "targets": [_row(t, names) for t in targets]}
    owner = ancestry(units_of)
    # a target is measured over its own scope (the province's over the whole province) whoever looks at it;
    # ``units`` only chooses which targets and which agencies the caller sees
    everywhere = Slice()
    monthly = []  # (month, counts by receiving unit) of the months so far
    for month in range(1, until.month + 1):
        period = periods.period("month", f"{year}-{month:02d}")
        monthly.append((month, services.dossier_counts(session, period, everywhere, "unit", now=now)))
    to_date = periods.custom(first, until)
    so_far = services.dossier_counts(session, to_date, everywhere, "unit", now=now)
    catalogue = indicators.catalogue_parts(session, enabled)
    result = []
    for target in targets:
        row = _row(target, names)
        key = METRIC_INDICATORS[target.metric]
        if key in ("3.1", "full_online"):
            row["value"] = services.rate(*catalogue[key])
            row["projected"] = row["value"]
        elif key == "3.6":  # read from the payments kept on the dossiers, by month
            scope = _subtree(owner, target.unit_id) if target.unit_id is not None else None
            row["value"] = services.rate(*indicators.paid_online_part(session, to_date, scope))
            row["months"] = [
                {"month": m, "value": services.rate(*indicators.paid_online_part(session, month, scope))}
                for m, month in ((m, periods.period("month", f"{year}-{m:02d}")) for m in range(1, until.month + 1))
            ]
            row["projected"] = project(row["months"])
        elif key in indicators.SCORED_BY_UNIT:
            scope = _subtree(owner, target.unit_id) if target.unit_id is not None else None
            row["value"] = _value(so_far, scope, key)
            row["months"] = [{"month": m, "value": _value(counts, scope, key)} for m, counts in monthly]
            row["projected"] = project(row["months"])
            if target.unit_id is None:
                row["units"] = _agencies(so_far, monthly, owner, names, key, target.target, units)
        row["on_track"] = None if row["projected"] is None else row["projected"] >= float(target.target)
        result.append(row)
    return {"year": year, "as_of": until, "targets": result}


def project(months: list[dict]) -> float | None:
    """The least-squares line through the months' rates, read at December, clamped to 0–100 (docstring)."""
    points = [(m["month"], m["value"]) for m in months if m["value"] is not None]
    if not points:
        return None
    if len(points) == 1:
        return points[0][1]
    n = len(points)
    mean_x = sum(x for x, _y in points) / n
    mean_y = sum(y for _x, y in points) / n
    spread = sum((x - mean_x) ** 2 for x, _y in points)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return round(min(100.0, max(0.0, mean_y + slope * (12 - mean_x))), 2)


def _row(target: RoadmapTarget, names: dict) -> dict:
    return {
        "metric": target.metric,
        "indicator": METRIC_INDICATORS[target.metric],
        "unit_id": target.unit_id,
        "unit_name": names.get(target.unit_id),
        "target": target.target,
        "baseline": target.baseline,
        "value": None,
        "projected": None,
        "on_track": None,
        "months": [],
        "units": [],
    }


def _subtree(owner: dict[int, int], unit_id: int) -> set[int]:
    """``unit_id`` and the units below it (``owner``: each unit's chain up the tree, ``ranking.ancestry``)."""
    return {u for u, chain in owner.items() if unit_id in chain}


def _value(rows: list[dict], scope: set[int] | None, key: str) -> float | None:
    picked = [row for row in rows if scope is None or row["key"] in scope]
    numerator, denominator = indicators.dossier_parts(services.totals(picked))[key]
    return services.rate(numerator, denominator)


def _agencies(so_far, monthly, owner, names, key, target, units) -> list[dict]:
    """Each agency's value and projection against the province's target."""
    tops = {agency(chain) for chain in owner.values() if len(chain) > 1}
    rows = []
    for top in sorted(tops, key=lambda u: names.get(u) or ""):
        scope = _subtree(owner, top)
        if units is not None and not scope & units:
            continue
        value = _value(so_far, scope, key)
        projected = project([{"month": m, "value": _value(counts, scope, key)} for m, counts in monthly])
        rows.append(
            {
                "unit_id": top,
                "name": names.get(top),
                "value": value,
                "projected": projected,
                "on_track": None if projected is None else projected >= float(target),
            }
        )
    return rows
