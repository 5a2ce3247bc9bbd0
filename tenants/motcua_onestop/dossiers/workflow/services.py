"""Processing workflow: the steps of a dossier, from its procedure version's template.

- **Creating steps.** When processing starts (status 2 → 4, first time) one ``DossierStep`` per
  template step is written; the first starts at once, the others when the step before them finishes.
- **Which unit a step goes to** (``assign_unit``): the unit of the template's ``unit_kind`` closest to
  the receiving unit in the tree: the receiving unit itself, else its subtree (nearest level first),
  else each ancestor in turn (the ancestor, then its subtree, nearest level first). Ties go to the
  lowest unit id; closed units are skipped; if the province has no unit of that kind, the receiving unit.
  So a commune step stays in the commune, a service-centre step goes to the commune's centre and a
  department step of a commune dossier goes up to the province's department (liên thông xã ↔ tỉnh).
- **Acting.** Only an officer holding the step's role (or tenant_admin) on the step's unit or a unit
  above it may claim the current step, or assign it to a colleague who may act on it (as if they had
  claimed it); only the officer who has it may complete it, with a comment;
  the next step then starts on its own unit (that is the hand-off). A step whose template asks for a
  signature (``personal`` or ``seal``) completes only once the result is signed so (``signing.py``).
  An officer of the current step's unit may also hand the step off explicitly to any open unit of the province.
- **Deadlines.** A step is due ``allotted_hours`` of office time after it starts (the working calendar),
  moved out by the office time of a supplement pause that happens while it is open;
  on completion it is classified early / on_time / late with ``calendar.classify`` (dates compared), as
  is the dossier against its effective due date.

Every action bumps the dossier's version (If-Match) and is written to the append-only dossier history.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from motcua_platform.audit.services import Actor, record
from motcua_platform.auth.models import StaffAccount, StaffRole, StaffRoleName
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, Forbidden, InvalidInput
from motcua_platform.i18n import _
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.calendar import services as calendar
from motcua_onestop.calendar.engine import classify
from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers import history, versions
from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.workflow.models import DossierSignature, DossierStep
from motcua_onestop.units.models import Unit
from motcua_onestop.units.services import subtree_ids


# -- assignment ----------------------------------------------------------------------------------
def _open_units(session: Session, on: dt.date) -> dict[int, tuple[int | None, str]]:
    rows = session.execute(select(Unit.id, Unit.parent_id, Unit.kind, Unit.valid_from, Unit.valid_to)).all()
    return {
        r.id: (r.parent_id, r.kind)
        for r in rows
        if (r.valid_to is None or r.valid_to >= on) and (r.valid_from is None or r.valid_from <= on)
    }


def assign_unit(units: dict[int, tuple[int | None, str]], receiving_unit_id: int, kind: str) -> int:
    """The unit a step of ``kind`` goes to for a dossier received by ``receiving_unit_id`` (module doc)."""
    children: dict[int | None, list[int]] = {}
    for unit_id, (parent, _kind) in units.items():
        children.setdefault(parent, []).append(unit_id)

    def nearest_in_subtree(root: int, skip: int | None) -> int | None:
        level = [root]
        while level:
            found = sorted(u for u in level if units[u][1] == kind)
            if found:
                return found[0]
            level = [c for u in level for c in children.get(u, ()) if c != skip]
        return None

    current, skip, seen = receiving_unit_id, None, set()
    while current is not None and current in units and current not in seen:
        seen.add(current)
        found = nearest_in_subtree(current, skip)
        if found is not None:
            return found
        current, skip = units[current][0], current
    return receiving_unit_id


# -- helpers -------------------------------------------------------------------------------------
def steps_of(session: Session, dossier: Dossier) -> list[DossierStep]:
    query = select(DossierStep).where(DossierStep.dossier_id == dossier.id).order_by(DossierStep.index)
    return list(session.scalars(query))


def current_step(session: Session, dossier: Dossier) -> DossierStep | None:
    if dossier.current_step is None:
        return None
    return session.scalar(
        select(DossierStep).where(DossierStep.dossier_id == dossier.id, DossierStep.index == dossier.current_step)
    )


def _start(session: Session, step: DossierStep, now: dt.datetime) -> None:
    cal = calendar.load_calendar(session, since=now.astimezone(VIETNAM).date())
    step.started_at = now
    step.due_at = cal.add_working_time(cal.intake(now), dt.timedelta(hours=step.allotted_hours))


def _point_at(dossier: Dossier, step: DossierStep | None) -> None:
    """Keep ``dossier.current_step_unit_id`` (what the inbox's step_unit list reads) on the unit of its
    current step while that step is open; every place a step starts, finishes or moves calls this."""
    is_open = step is not None and step.started_at is not None and step.finished_at is None
    dossier.current_step_unit_id = step.unit_id if is_open else None


def _log(session: Session, actor: Actor, dossier: Dossier, action: str, comment: str | None, now) -> None:
    history.note(session, actor, dossier, action, comment, now)
    record(session, actor, f"dossier.{action}", target=f"dossier:{dossier.code}")


def _open_step(session: Session, dossier: Dossier) -> DossierStep:
    if dossier.status != Status.PROCESSING:
        raise Conflict(
            _("Dossier %(code)s is not being processed (status %(status)s).", code=dossier.code, status=dossier.status),
            {"status": [_("Steps move only in status 4 (being processed).")]},
        )
    step = current_step(session, dossier)
    if step is None or step.finished_at is not None:
        raise Conflict(
            _("Dossier %(code)s has no open step.", code=dossier.code), {"step": [_("Every step is finished.")]}
        )
    return step


def signature_label(kind: str) -> str:
    return _("the officer's own digital signature") if kind == "personal" else _("the agency's seal")


def is_signed(session: Session, step: DossierStep) -> bool:
    """Whether the signature ``step`` needs has been put on the dossier's result."""
    query = select(DossierSignature.id).where(
        DossierSignature.step_id == step.id, DossierSignature.kind == step.signature
    )
    return step.signature is None or session.scalar(query.limit(1)) is not None


def may_act(session: Session, roles: Iterable[tuple[str, int | None]], step: DossierStep) -> bool:
    """Whether a staff member with ``roles`` may act on ``step``: its role (or tenant_admin) on its unit
    or a unit above it."""
    allowed = {step.role, StaffRoleName.TENANT_ADMIN}
    units = {unit for role, unit in roles if role in allowed and unit is not None}
    return bool(units) and step.unit_id in subtree_ids(session, units)


def _unit_and_above(session: Session, unit_id: int) -> set[int]:
    parents = {row.id: row.parent_id for row in session.execute(select(Unit.id, Unit.parent_id))}
    found: set[int] = set()
    current: int | None = unit_id
    while current is not None and current not in found:
        found.add(current)
        current = parents.get(current)
    return found


def eligible_staff(session: Session, step: DossierStep) -> list[StaffAccount]:
    """The active staff members who may act on ``step`` (``may_act``), by name: those a step is assigned to."""
    query = (
        select(StaffAccount)
        .join(StaffRole, StaffRole.staff_id == StaffAccount.id)
        .where(
            StaffAccount.active.is_(True),
            StaffRole.role.in_({step.role, StaffRoleName.TENANT_ADMIN}),
            StaffRole.unit_id.in_(_unit_and_above(session, step.unit_id)),
        )
        .distinct()
        .order_by(StaffAccount.full_name, StaffAccount.id)
    )
    return list(session.scalars(query))


# -- creating steps (called by services.transition on 2 → 4) -------------------------------------
def create_steps(session: Session, dossier: Dossier, procedure: Procedure, now: dt.datetime) -> list[DossierStep]:
    if session.scalar(select(DossierStep.id).where(DossierStep.dossier_id == dossier.id).limit(1)) is not None:
        return []  # processing resumed (after a supplement or payment): the steps are already there
    template = procedure.workflow or []
    units = _open_units(session, now.astimezone(VIETNAM).date())
    steps = [
        DossierStep(
            dossier_id=dossier.id,
            index=i,
            name=item["name"],
            role=item["role"],
            unit_kind=item["unit_kind"],
            unit_id=assign_unit(units, dossier.receiving_unit_id, item["unit_kind"]),
            allotted_hours=item["allotted_hours"],
            signature=item.get("signature"),
        )
        for i, item in enumerate(template)
    ]
    if steps:
        _start(session, steps[0], now)
    _point_at(dossier, steps[0] if steps else None)
    session.add_all(steps)
    return steps


def shift_open_step(
    session: Session, dossier: Dossier, paused_from: dt.datetime, paused_until: dt.datetime
) -> DossierStep | None:
    """A supplement pause (called by services.transition on 5 → 4) moves the open step's due time out by
    the paused office time, as it moves the dossier's; a finished step keeps its due time and outcome."""
    step = current_step(session, dossier)
    if step is None or step.due_at is None or step.finished_at is not None:
        return None
    cal = calendar.load_calendar(session, since=min(step.due_at, paused_from).astimezone(VIETNAM).date())
    step.due_at = cal.extend(step.due_at, [(paused_from, paused_until)])
    return step


# -- officer actions -----------------------------------------------------------------------------
def claim(session, actor: Actor, roles, staff_id: int, dossier: Dossier, expected_version: int, now=None):
    now = now or utcnow()
    step = _open_step(session, dossier)
    if not may_act(session, roles, step):
        raise Forbidden(
            _("Only an officer (%(role)s) of the step's unit may claim '%(name)s'.", role=step.role, name=step.name)
        )
    if step.claimed_by is not None and step.claimed_by != staff_id:
        raise Conflict(
            _("Step '%(name)s' is already claimed by another officer.", name=step.name), {"step": [_("Claimed.")]}
        )
    versions.expect(dossier, expected_version)
    versions.bump(dossier, now)
    step.claimed_by, step.claimed_at = staff_id, now
    _log(session, actor, dossier, "step_claim", f"{step.index + 1}. {step.name}", now)
    session.flush()
    return step


def complete(session, actor: Actor, staff_id: int, dossier: Dossier, expected_version: int, comment, now=None):
    """Finish the current step (claimed by this officer) with a comment; the next step starts."""
    now = now or utcnow()
    if not (comment and comment.strip()):
        raise InvalidInput(_("A comment is required."), {"comment": [_("Say what was done (it goes in the history).")]})
    step = _open_step(session, dossier)
    if step.claimed_by != staff_id:
        raise Forbidden(
            _("Claim step '%(name)s' first: only the officer who claimed it may complete it.", name=step.name)
        )
    if step.signature is not None and not is_signed(session, step):
        raise Conflict(
            _(
                "Step '%(name)s' needs the result signed (%(kind)s) before it is complete: sign it first.",
                name=step.name,
                kind=signature_label(step.signature),
            ),
            {"signature": [_("Sign the result first.")]},
        )
    versions.expect(dossier, expected_version)
    versions.bump(dossier, now)
    step.finished_at = now
    step.outcome = classify(now, step.due_at)
    _log(session, actor, dossier, "step_complete", f"{step.index + 1}. {step.name}: {comment.strip()}", now)
    dossier.current_step = step.index + 1
    following = current_step(session, dossier)
    if following is not None:
        _start(session, following, now)
    _point_at(dossier, following)
    session.flush()
    return step


def assign(session, actor: Actor, roles, dossier: Dossier, expected_version: int, staff_id: int, comment, now=None):
    """Give the current step to a colleague who may act on it, as if they had claimed it (they alone may
    complete it then); by someone who may act on the step, whoever has it now."""
    now = now or utcnow()
    step = _open_step(session, dossier)
    if not may_act(session, roles, step):
        raise Forbidden(_("Only an officer of the step's unit may assign '%(name)s'.", name=step.name))
    assignee = next((staff for staff in eligible_staff(session, step) if staff.id == staff_id), None)
    if assignee is None:
        raise InvalidInput(
            _("This staff member cannot act on the step."),
            {"staff_id": [_("Choose an active officer with the step's role on its unit or a unit above it.")]},
        )
    if step.claimed_by == staff_id:
        raise Conflict(_("Step '%(name)s' is already with this officer.", name=step.name), {"staff_id": [_("Same.")]})
    versions.expect(dossier, expected_version)
    versions.bump(dossier, now)
    step.claimed_by, step.claimed_at = staff_id, now
    note = f"{step.index + 1}. {step.name}: → {assignee.full_name}" + (f": {comment.strip()}" if comment else "")
    _log(session, actor, dossier, "step_assign", note, now)
    session.flush()
    return step


def handoff(session, actor: Actor, roles, dossier: Dossier, expected_version: int, unit_id: int, comment, now=None):
    """Send the current step to another open unit of the province (it becomes unclaimed there)."""
    now = now or utcnow()
    step = _open_step(session, dossier)
    if not may_act(session, roles, step):
        raise Forbidden(_("Only an officer of the step's unit may hand '%(name)s' off.", name=step.name))
    if unit_id not in _open_units(session, now.astimezone(VIETNAM).date()):
        raise InvalidInput(_("No such open unit."), {"unit_id": [_("No such open unit.")]})
    if unit_id == step.unit_id:
        raise Conflict(_("The step is already on that unit."), {"unit_id": [_("Same unit.")]})
    versions.expect(dossier, expected_version)
    versions.bump(dossier, now)
    before = step.unit_id
    step.unit_id, step.claimed_by, step.claimed_at = unit_id, None, None
    _point_at(dossier, step)
    note = f"{step.index + 1}. {step.name}: unit {before} → {unit_id}" + (f": {comment.strip()}" if comment else "")
    _log(session, actor, dossier, "step_handoff", note, now)
    session.flush()
    return step


# -- classification ------------------------------------------------------------------------------
def step_outcome(step: DossierStep, now: dt.datetime, dossier: Dossier | None = None) -> str | None:
    """Final for a finished step; for an open one, what it would be if finished ``now`` — unless its
    ``dossier`` is finished (returned, refused, withdrawn, stopped): a step left open then never ends."""
    if step.outcome is not None:
        return step.outcome
    if dossier is not None and dossier.step_in_progress is None:
        return None
    return classify(now, step.due_at) if step.due_at is not None else None


def dossier_outcome(dossier: Dossier, now: dt.datetime) -> str | None:
    """Against the effective due date (pauses and extensions included): final once finished (9, 10);
    while open, as of ``now`` — or, paused for a supplement (5), as of the moment the clock stopped;
    none for a dossier refused, withdrawn or stopped (it has no result to be late with)."""
    due = dossier.effective_due_at
    if due is None or dossier.status in (Status.REFUSED, Status.WITHDRAWN, Status.STOPPED):
        return None
    if dossier.status == Status.SUPPLEMENT and dossier.paused_at is not None:
        now = dossier.paused_at
    return classify(dossier.finished_at or now, due)
