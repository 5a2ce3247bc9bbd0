"""Which units receive a procedure: the one rule every intake channel (online, counter, postal) obeys and
the portal's "where to submit" list (``GET /api/v1/procedures/<code>/units``) shows.

A unit receives a procedure when it is open on the day and

- it is of the procedure's competent unit kind: the unit that decides receives at its own counter
  (a commune its civil-status dossiers, a department the dossiers it decides); or
- it is a public-administration service centre (TTPVHCC) of the procedure's tier, which receives for the
  competent units (the one-stop unit of ND 118/2025): a **commune's centre** (a centre inside a commune)
  receives the commune-level procedures, for any commune of the province (intake regardless of
  administrative boundaries); the **provincial centre** (a centre not inside a commune) receives the
  province-level and central-level ones, for the departments and sector offices.

So birth registration (commune level, competent unit a commune) is received by every commune and every
commune's centre, and refused at a department or at the provincial centre; a land procedure (province
level, a sector office) by the sector offices and the provincial centre, not by a commune's centre.
Where the dossier goes after intake is the workflow's business (``dossiers.workflow.assign_unit``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from motcua_platform.plugins.definitions import Level
from sqlalchemy import bindparam, literal_column, select
from sqlalchemy.orm import Session, aliased

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.units.models import Unit, UnitKind


@dataclass(frozen=True)
class Place:
    """What the rule needs to know about a unit: its kind and whether it lies inside a commune."""

    kind: str
    in_commune: bool


def receives(procedure: Procedure, place: Place) -> bool:
    """The rule (module doc), without I/O."""
    if place.kind == procedure.competent_unit_kind:
        return True
    if place.kind != UnitKind.SERVICE_CENTRE:
        return False
    return place.in_commune == (procedure.level == Level.COMMUNE)


def _ancestor_kinds_query():
    up = select(Unit.parent_id, literal_column("0").label("depth")).where(Unit.id == bindparam("unit"))
    up = up.cte("up", recursive=True)
    parent = aliased(Unit)
    up = up.union_all(select(parent.parent_id, up.c.depth + 1).where(parent.id == up.c.parent_id, up.c.depth < 64))
    ancestor = aliased(Unit)
    return select(ancestor.kind).join(up, ancestor.id == up.c.parent_id)


# Built once: intake asks it for a service centre (the cache in dossiers.intake_lookup keeps the answer).
ANCESTOR_KINDS = _ancestor_kinds_query()


def place_of(session: Session, unit: Unit) -> Place:
    """``unit``'s place in the tree (one round trip over its ancestors)."""
    kinds = set(session.scalars(ANCESTOR_KINDS, {"unit": unit.id}))
    return Place(unit.kind, UnitKind.COMMUNE in kinds)


def require_receives(procedure: Procedure, unit: Unit, place: Place) -> None:
    """A 422 naming the procedure and the unit unless ``unit`` receives ``procedure``."""
    if receives(procedure, place):
        return
    problem = (
        f"{unit.name} ({unit.code}) does not receive procedure {procedure.code} ({procedure.name_vi}); "
        f"GET /api/v1/procedures/{procedure.code}/units lists the units that do."
    )
    raise InvalidInput(
        _("The dossier was not received: %(problem)s", problem=problem), {"receiving_unit_id": [problem]}
    )


def receiving_units(session: Session, procedure: Procedure, on: dt.date) -> list[Unit]:
    """Every unit open on ``on`` that receives ``procedure``, in the order of the unit list. The whole
    tree is read once (a province has a few hundred units) and each unit placed by walking up it."""
    return receivers(unit_list(session), procedure, on)


def unit_list(session: Session) -> list[Unit]:
    """The whole unit tree in the order of the unit list, for ``receivers`` (read once for many procedures)."""
    return list(session.scalars(select(Unit).order_by(Unit.parent_id.nulls_first(), Unit.code)))


def receivers(units: list[Unit], procedure: Procedure, on: dt.date) -> list[Unit]:
    """The units of ``units`` (``unit_list``) open on ``on`` that receive ``procedure``."""
    by_id = {unit.id: unit for unit in units}
    inside: dict[int, bool] = {}

    def in_commune(unit: Unit) -> bool:
        if unit.id not in inside:
            parent = by_id.get(unit.parent_id) if unit.parent_id is not None else None
            inside[unit.id] = False  # a cycle (the tree forbids them) ends the walk
            inside[unit.id] = parent is not None and (parent.kind == UnitKind.COMMUNE or in_commune(parent))
        return inside[unit.id]

    return [
        unit
        for unit in units
        if unit.valid_from <= on
        and (unit.valid_to is None or unit.valid_to >= on)
        and receives(procedure, Place(unit.kind, in_commune(unit)))
    ]
