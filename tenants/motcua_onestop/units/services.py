"""Managing the unit tree. A tenant admin's role on a unit covers that unit's whole subtree, so a
department's admin manages the department's offices and a province-level admin manages everything."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.auth.models import StaffRole
from motcua_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from motcua_platform.i18n import _
from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from motcua_onestop.units.models import PARENT_KINDS, Unit, UnitKind

CODE_RE = re.compile(r"^[A-Za-z0-9.]{1,40}$")


@dataclass
class UnitFilter:
    kind: str | None = None
    parent_id: int | None = None
    active_on: dt.date | None = None
    q: str | None = None


def root_unit_id(session: Session) -> int:
    """The province itself: the one unit without a parent."""
    return session.scalar(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1))


def _subtree_query() -> Select:
    tree = select(Unit.id).where(Unit.id.in_(bindparam("roots", expanding=True))).cte("tree", recursive=True)
    child = aliased(Unit)
    tree = tree.union_all(select(child.id).where(child.parent_id == tree.c.id))
    return select(tree.c.id)


# Built once: an officer's units are looked up on most of their requests, and building a recursive
# statement costs more than running it.
SUBTREE = _subtree_query()


def subtree_ids(session: Session, roots: set[int]) -> set[int]:
    """``roots`` and every unit below them."""
    if not roots:
        return set()
    return set(session.scalars(SUBTREE, {"roots": sorted(roots)}))


# The subtree and, in the same round trip, how many units the tenant has (whether it is all of them).
SUBTREE_AND_TOTAL = SUBTREE.add_columns(select(func.count()).select_from(Unit).scalar_subquery().label("total"))


def subtree_and_total(session: Session, roots: set[int]) -> tuple[set[int], int]:
    """``subtree_ids(roots)`` and the number of the tenant's units, in one statement: an officer's list
    needs both (a subtree that is the whole tenant needs no unit condition)."""
    if not roots:
        return set(), 0
    rows = session.execute(SUBTREE_AND_TOTAL, {"roots": sorted(roots)}).all()
    return {row[0] for row in rows}, rows[0][1] if rows else 0


def list_units(session: Session, filters: UnitFilter) -> list[Unit]:
    return list(session.scalars(unit_query(filters)))


def unit_query(filters: UnitFilter):
    query = select(Unit).order_by(Unit.parent_id.nulls_first(), Unit.code)
    if filters.kind:
        query = query.where(Unit.kind == filters.kind)
    if filters.parent_id is not None:
        query = query.where(Unit.parent_id == filters.parent_id)
    if filters.active_on is not None:
        query = query.where(
            Unit.valid_from <= filters.active_on, (Unit.valid_to.is_(None)) | (Unit.valid_to >= filters.active_on)
        )
    if filters.q:
        query = query.where(
            Unit.name.icontains(filters.q, autoescape=True) | Unit.code.icontains(filters.q, autoescape=True)
        )
    return query


def unit_names(session: Session) -> dict[int, str]:
    """Every unit's name by id, closed ones too (old dossiers keep them), for a page that names many."""
    return dict(session.execute(select(Unit.id, Unit.name)).all())


def get_unit(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(_("No unit with id %(unit_id)s.", unit_id=unit_id))
    return unit


def _require_admin_over(session: Session, admin_units: set[int], unit_id: int) -> None:
    if unit_id not in subtree_ids(session, admin_units):
        raise Forbidden(_("Your tenant-admin role does not cover this unit."))


def _validate(
    session: Session, *, kind, code, name, parent_id, valid_from, valid_to, unit_id=None, reshaped=True
) -> None:
    """Every problem at once. ``reshaped``: the unit is new, moved or changes kind, so the tree's shape
    (PARENT_KINDS) is checked; a rename of a unit placed before the rule existed is not refused for it."""
    errors: dict[str, list[str]] = {}
    if kind not in set(UnitKind):
        errors["kind"] = [_("Kind must be one of: %(kinds)s.", kinds=", ".join(UnitKind))]
    if not code or not CODE_RE.match(code):
        errors["code"] = [_("Code must be 1–40 letters, digits or dots (the unit's electronic identifier).")]
    elif session.scalar(select(Unit.id).where(Unit.code == code, Unit.id != (unit_id or 0))) is not None:
        errors["code"] = [_("Code '%(code)s' is already used by another unit.", code=code)]
    if not name or not name.strip():
        errors["name"] = [_("Name is required.")]
    parent = session.get(Unit, parent_id) if parent_id is not None else None
    if parent_id is None and kind != UnitKind.PROVINCE:
        errors["parent_id"] = [_("Every unit except the province itself needs a parent unit.")]
    if parent_id is not None and parent is None:
        errors["parent_id"] = [_("Parent unit %(parent_id)s does not exist.", parent_id=parent_id)]
    if parent_id is not None and unit_id is not None and parent_id in subtree_ids(session, {unit_id}):
        errors["parent_id"] = [_("A unit cannot be moved under itself or one of its own sub-units.")]
    placed = reshaped and parent is not None and "parent_id" not in errors and kind in PARENT_KINDS
    if placed and (problem := _placement_problem(kind, parent)):
        errors["parent_id"] = [problem]
    if (
        placed
        and unit_id is not None
        and "parent_id" not in errors
        and (problem := _level_problem(session, unit_id, kind, parent))
    ):
        errors["parent_id"] = [problem]
    rekinded = reshaped and unit_id is not None and "kind" not in errors
    if rekinded and (problem := _children_problem(session, unit_id, kind)):
        errors["kind"] = [problem]
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = [_("Valid-to must not be before valid-from.")]
    if errors:
        raise InvalidInput(_("The unit was not saved."), errors)


# What each kind is called in a refusal (with its article, as the messages read it).
KIND_NAMES = {
    UnitKind.PROVINCE: _("the province"),
    UnitKind.DEPARTMENT: _("a department"),
    UnitKind.SERVICE_CENTRE: _("a public-administration service centre"),
    UnitKind.COMMUNE: _("a commune"),
    UnitKind.SECTOR_OFFICE: _("a sector office"),
}


def _kinds(kinds) -> str:
    return str(_(" or ")).join(str(KIND_NAMES[kind]) for kind in sorted(kinds))


def _placement_problem(kind: str, parent: Unit) -> str | None:
    """Why a unit of ``kind`` may not sit under ``parent`` (models.PARENT_KINDS), or None."""
    allowed = PARENT_KINDS[kind]
    if parent.kind in allowed:
        return None
    if not allowed:
        return _("A province unit is the root of the tree and cannot sit under another unit.")
    return _(
        "%(kind)s cannot sit under %(parent)s (%(code)s); its parent must be %(allowed)s.",
        kind=str(KIND_NAMES[kind]).capitalize(),
        parent=KIND_NAMES.get(parent.kind, parent.kind),
        code=parent.code,
        allowed=_kinds(allowed),
    )


def _level_problem(session: Session, unit_id: int, kind: str, parent: Unit) -> str | None:
    """Why service centre ``unit_id`` may not move under ``parent``, or None. A centre keeps its level: the
    province's centre (TTPVHCC tỉnh) and a commune's are different bodies with different remits, so moving
    one between the province and a commune would silently turn the dossiers it received into the other's.
    Moving a commune's centre to another commune (a merger) is allowed."""
    unit = session.get(Unit, unit_id)
    old_parent = session.get(Unit, unit.parent_id) if unit is not None and unit.parent_id is not None else None
    centre = unit is not None and unit.kind == kind == UnitKind.SERVICE_CENTRE
    levels = {UnitKind.PROVINCE, UnitKind.COMMUNE}
    if not centre or old_parent is None or {old_parent.kind, parent.kind} != levels:
        return None
    if old_parent.kind == UnitKind.PROVINCE:
        return _(
            "The province's service centre cannot be moved under a commune; create the commune's own centre instead."
        )
    return _("A commune's service centre cannot be moved up to the province; the province has its own centre.")


def _children_problem(session: Session, unit_id: int, kind: str) -> str | None:
    """Why unit ``unit_id`` may not become a ``kind``, given the kinds of its sub-units, or None."""
    children = set(session.scalars(select(Unit.kind).where(Unit.parent_id == unit_id).distinct()))
    misplaced = sorted(child for child in children if child in PARENT_KINDS and kind not in PARENT_KINDS[child])
    if not misplaced:
        return None
    return _(
        "The unit has sub-units that cannot sit under %(kind)s: %(children)s.",
        kind=KIND_NAMES[kind],
        children=", ".join(str(KIND_NAMES[child]) for child in misplaced),
    )


def create_unit(
    session: Session,
    actor: Actor,
    admin_units: set[int],
    *,
    kind: str,
    code: str,
    name: str,
    parent_id: int | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Unit:
    _validate(session, kind=kind, code=code, name=name, parent_id=parent_id, valid_from=valid_from, valid_to=valid_to)
    if parent_id is None:
        raise Forbidden(_("The province root unit is created when the tenant is provisioned."))
    _require_admin_over(session, admin_units, parent_id)
    unit = Unit(kind=kind, code=code, name=name.strip(), parent_id=parent_id, valid_to=valid_to)
    if valid_from is not None:
        unit.valid_from = valid_from
    session.add(unit)
    session.flush()
    record(session, actor, "unit.create", target=f"unit:{unit.id}", code=code)
    return unit


def update_unit(session: Session, actor: Actor, admin_units: set[int], unit_id: int, **changes) -> Unit:
    unit = get_unit(session, unit_id)
    _require_admin_over(session, admin_units, unit_id)
    merged = {
        "kind": unit.kind,
        "code": unit.code,
        "name": unit.name,
        "parent_id": unit.parent_id,
        "valid_from": unit.valid_from,
        "valid_to": unit.valid_to,
    } | changes
    reshaped = changes.get("parent_id", unit.parent_id) != unit.parent_id or changes.get("kind", unit.kind) != unit.kind
    _validate(session, unit_id=unit_id, reshaped=reshaped, **merged)
    if "parent_id" in changes and changes["parent_id"] != unit.parent_id:
        if unit.parent_id is None:
            raise Conflict(_("The province root unit cannot be moved."))
        _require_admin_over(session, admin_units, changes["parent_id"])
    for attr, value in changes.items():
        setattr(unit, attr, value.strip() if attr == "name" else value)
    record(session, actor, "unit.update", target=f"unit:{unit_id}", changes=sorted(changes))
    return unit


def delete_unit(session: Session, actor: Actor, admin_units: set[int], unit_id: int) -> None:
    """Delete a unit created by mistake. A unit that has sub-units or staff is closed with valid_to instead."""
    unit = get_unit(session, unit_id)
    _require_admin_over(session, admin_units, unit_id)
    if unit.parent_id is None:
        raise Conflict(_("The province root unit cannot be deleted."))
    if session.scalar(select(exists().where(Unit.parent_id == unit_id))):
        raise Conflict(_("The unit has sub-units; close it by setting valid_to instead of deleting it."))
    if session.scalar(select(exists().where(StaffRole.unit_id == unit_id))):
        raise Conflict(_("Staff hold roles on this unit; close it by setting valid_to instead of deleting it."))
    try:
        with session.begin_nested():  # what else points at the unit (dossiers, questions, feedback) says no
            session.delete(unit)
    except IntegrityError as error:
        raise Conflict(
            _("Records of the province point at this unit; close it by setting valid_to instead of deleting it.")
        ) from error
    record(session, actor, "unit.delete", target=f"unit:{unit_id}", code=unit.code)
