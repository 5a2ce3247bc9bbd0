"""Agencies and communes ranked by their QĐ 766 scores or one indicator, beside the previous period.

An agency is a unit directly under the province (a department, a commune, a sector office, the province's
service centre): its dossiers are those received by it or any unit below it, so a commune's centre counts
for its commune. Only the dossier indicators exist per unit (``indicators.SCORED_BY_UNIT``; the catalogue
is the province's), so units are ranked by the share of those points they earned (``score_percent``: a unit
with no finished dossier requiring a paper result is not marked down for 4.1 being N/A), or by one
indicator's rate. Ties share a rank and the next rank skips (1, 2, 2, 4); a unit with nothing to rank is
listed last without a rank. ``rank_change`` is positive when the unit moved up."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right

from sqlalchemy import text
from sqlalchemy.orm import Session

from motcua_onestop.statistics import indicators, services
from motcua_onestop.statistics.periods import Period
from motcua_onestop.statistics.services import Slice

BY = ("agency", "unit")
KINDS = ("commune", "department", "sector_office", "service_centre")  # what a province ranks among themselves
UNITS = text("SELECT id, parent_id, name, kind, valid_to FROM units")


def ranking(
    session: Session,
    period: Period,
    where: Slice,
    by: str = "agency",
    indicator: str | None = None,
    *,
    kind: str | None = None,
    now: dt.datetime | None = None,
) -> list[dict]:
    """One row per agency (or receiving unit) in ``where``, ranked; see the module's docstring. ``kind``
    ranks units of one kind among themselves (``commune``: the communes, wards and special zones)."""
    units = unit_rows(session)
    owner = agencies(units) if by == "agency" else {unit_id: unit_id for unit_id in units}
    current = _cards(session, period, where, owner, now)
    before = period.previous()
    previous = _cards(session, before, where, owner, now) if before is not None else {}
    keys = set(current) | set(previous)
    if by == "agency":  # every open agency of the caller's, even one without a dossier yet
        scope = where.units if where.units is not None else units
        tops = {owner[i] for i in scope if i in owner}
        keys |= {i for i in tops if units[i].parent_id is not None and _open(units[i], period)}
    if kind is not None:
        keys = {key for key in keys if key in units and units[key].kind == kind}
    rows = []
    for key in keys:
        card, earlier = current.get(key), previous.get(key)
        rows.append(
            {
                "unit_id": key,
                "name": units[key].name if key in units else None,
                "kind": units[key].kind if key in units else None,
                "value": _metric(card, indicator),
                "previous_value": _metric(earlier, indicator),
                "score": card["score"] if card else None,
                "scored_points": card["scored_points"] if card else 0,
                "indicators": {i: _metric(card, i) for i in indicators.SCORED_BY_UNIT},
            }
        )
    _rank(rows, "value", "rank")
    _rank(rows, "previous_value", "previous_rank")
    for row in rows:
        both = row["value"] is not None and row["previous_value"] is not None
        row["change"] = round(row["value"] - row["previous_value"], 2) if both else None
        ranked = row["rank"] is not None and row["previous_rank"] is not None
        row["rank_change"] = row["previous_rank"] - row["rank"] if ranked else None
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, row["name"] or ""))
    return rows


def unit_rows(session: Session) -> dict:
    """Every unit of the tree (closed ones too: old dossiers keep them) by id: its parent, name, kind, end."""
    return {row.id: row for row in session.execute(UNITS)}


def ancestry(units: dict) -> dict[int, tuple[int, ...]]:
    """Each unit's chain up the tree (``unit_rows``): itself, its parent, …, the root."""

    def chain(unit_id: int) -> tuple[int, ...]:
        steps = [unit_id]
        while units[steps[-1]].parent_id in units and len(steps) <= len(units):  # a tree: never longer
            steps.append(units[steps[-1]].parent_id)
        return tuple(steps)

    return {unit_id: chain(unit_id) for unit_id in units}


def agency(chain: tuple[int, ...]) -> int:
    """The unit right under the root on ``chain`` (the root for itself)."""
    return chain[-2] if len(chain) > 1 else chain[0]


def agency_counts(
    session: Session, period: Period, where: Slice, owner: dict[int, int], *, now: dt.datetime | None = None
) -> dict[int, dict]:
    """The counts of ``period`` (``services.dossier_counts``) by receiving unit, added up per ``owner`` of
    each (its agency, or itself)."""
    grouped: dict[int, list[dict]] = {}
    for row in services.dossier_counts(session, period, where, "unit", now=now):
        grouped.setdefault(owner.get(row["key"], row["key"]), []).append(row)
    return {key: services.totals(rows) for key, rows in grouped.items()}


def agencies(units: dict) -> dict[int, int]:
    """Each unit's agency (``agency``), from ``unit_rows``."""
    return {unit_id: agency(chain) for unit_id, chain in ancestry(units).items()}


def _cards(session: Session, period: Period, where: Slice, owner: dict, now) -> dict[int, dict]:
    """The dossier scorecard of each agency (or unit) for ``period``."""
    counted = agency_counts(session, period, where, owner, now=now)
    return {key: indicators.scorecard(indicators.dossier_parts(counts)) for key, counts in counted.items()}


def _open(unit, period: Period) -> bool:
    return unit.valid_to is None or unit.valid_to >= period.first_day


def _metric(card: dict | None, indicator: str | None) -> float | None:
    if card is None:
        return None
    if indicator is None:
        return card["score_percent"]
    return next(row["value"] for row in card["indicators"] if row["id"] == indicator)


def _rank(rows: list[dict], field: str, into: str) -> None:
    """Competition ranking on ``field``, highest first; None unranked."""
    values = sorted(row[field] for row in rows if row[field] is not None)
    for row in rows:  # 1 + how many are higher
        row[into] = None if row[field] is None else 1 + len(values) - bisect_right(values, row[field])
