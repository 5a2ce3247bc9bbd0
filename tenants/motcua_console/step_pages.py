"""The processing steps on an officer's dossier page: the procedure's workflow with what each step's record
says (unit, who has it, due, early / on time / late), and the actions on the current step the officer may
take: claim it, assign it to a colleague who may act on it, complete it with a comment (the one who has
it), hand it off to another unit.

The services and the authorisation are the staff API's (dossiers/workflow/api.py): ``workflow.claim``,
``assign``, ``complete`` and ``handoff`` with the caller's roles and id; who may act is ``workflow.may_act``, which
also decides which forms are shown. Each form carries the dossier version (the API's If-Match)."""

from __future__ import annotations

from typing import NamedTuple

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from motcua_onestop.dossiers import services as dossiers
from motcua_onestop.dossiers.http import caller_units
from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_onestop.units.services import UnitFilter, list_units
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.timezones import VIETNAM
from motcua_platform.web.context import tenant_session
from sqlalchemy.orm import Session

from motcua_console import people, session
from motcua_console.account_pages import staff_required
from motcua_console.blueprint import console
from motcua_console.dossier_panels import panel
from motcua_console.officer_pages import COMMENT_MAX, changed_meanwhile, detail_page, form_number


def _open_step(db: Session, dossier: Dossier):
    if dossier.status != Status.PROCESSING:
        return None
    step = workflow.current_step(db, dossier)
    return step if step is not None and step.finished_at is None else None


@panel
def steps_panel(db: Session, dossier: Dossier) -> dict:
    """The workflow's steps (the procedure's template, with the dossier's records once processing started)
    and which step actions the signed-in officer may take."""
    now = utcnow()
    records = {step.index: step for step in workflow.steps_of(db, dossier)}
    template = dossiers.procedure_of(db, dossier).workflow or []
    steps = [
        {
            "number": index + 1,
            "name": item["name"],
            "role": item["role"],
            "signature": item.get("signature"),  # the signature the step needs (signature_pages)
            "record": records.get(index),
            "outcome": workflow.step_outcome(records[index], now, dossier) if index in records else None,
            "current": index in records and index == dossier.step_in_progress,
        }
        for index, item in enumerate(template)
    ]
    principal = session.signed_in()
    step = _open_step(db, dossier)
    may_act = step is not None and workflow.may_act(db, principal.roles, step)
    open_units = list_units(db, UnitFilter(active_on=now.astimezone(VIETNAM).date())) if may_act else []
    return {
        "steps": steps,
        "step_units": {unit.id: unit.name for unit in list_units(db, UnitFilter())} if records else {},
        "step_people": people.staff_names(db, (record.claimed_by for record in records.values())),
        "open_step": step,
        "can_claim": may_act and step.claimed_by is None,
        "can_complete": step is not None and step.claimed_by == principal.id,
        "can_handoff": may_act,
        "handoff_units": [(unit.id, unit.name) for unit in open_units if unit.id != step.unit_id],
        "assign_staff": [
            (staff.id, staff.full_name) for staff in workflow.eligible_staff(db, step) if staff.id != step.claimed_by
        ]
        if may_act
        else [],
    }


def _locked(code: str) -> tuple[Session, int, Dossier]:
    version = form_number("version")
    db = tenant_session()
    return db, version, dossiers.get_dossier(db, code, caller_units(), lock=True)


def _done(code: str, message: str):
    flash(message, "success")
    return redirect(url_for("console.dossier", code=code, _anchor="steps"), 303)


class _Choice(NamedTuple):
    db: Session
    version: int
    row: Dossier
    chosen: int
    comment: str
    values: dict


def _choice_form(code: str, choice: str, comment_field: str, choose: str):
    """The locked dossier and a form that names a colleague or a unit by id, with a comment: ``(page, None)``
    when the form is stale (409) or wrong (422, ``choose`` next to a missing id), else ``(None, choice)``."""
    db, version, row = _locked(code)
    raw = request.form.get(choice, "")
    comment = (request.form.get(comment_field) or "").strip()
    values = {choice: raw, comment_field: comment}
    if row.version != version:
        return (detail_page(row, conflict=changed_meanwhile(), values=values), 409), None
    errors = {}
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 18):
        errors[choice] = [choose]
    if len(comment) > COMMENT_MAX:
        errors[comment_field] = [_("At most %(n)s characters.", n=COMMENT_MAX)]
    if errors:
        return (detail_page(row, errors=errors, values=values), 422), None
    return None, _Choice(db, version, row, int(raw), comment, values)


@console.post("/dossiers/<code>/steps/claim")
@staff_required
def claim_step(code: str):
    """Claim the current step, as ``POST /api/v1/dossiers/<code>/steps/current/claim``."""
    db, version, row = _locked(code)
    if row.version != version:
        return detail_page(row, conflict=changed_meanwhile()), 409
    principal = session.signed_in()
    try:  # someone without the step's role on its unit: the service's Forbidden, a 403
        step = workflow.claim(db, session.actor(), principal.roles, principal.id, row, version)
    except Conflict as error:  # no open step, or claimed by someone else
        return detail_page(row, conflict=str(error.message)), 409
    return _done(code, _("You claimed step %(number)s: %(name)s.", number=step.index + 1, name=step.name))


@console.post("/dossiers/<code>/steps/assign")
@staff_required
def assign_step(code: str):
    """Give the current step to a colleague, as ``POST …/steps/current/assign``."""
    refused, form = _choice_form(code, "assign_staff", "assign_comment", _("Choose the colleague to give the step to."))
    if refused:
        return refused
    principal = session.signed_in()
    try:  # someone without the step's role on its unit: the service's Forbidden, a 403
        step = workflow.assign(
            form.db, session.actor(), principal.roles, form.row, form.version, form.chosen, form.comment or None
        )
    except InvalidInput:
        errors = {"assign_staff": [_("Choose an active officer with the step's role on its unit.")]}
        return detail_page(form.row, errors=errors, values=form.values), 422
    except Conflict as error:  # no open step, or the step is with that colleague already
        return detail_page(form.row, conflict=str(error.message), values=form.values), 409
    name = people.staff_names(form.db, [step.claimed_by]).get(step.claimed_by, "")
    return _done(code, _("Step %(number)s is now with %(name)s.", number=step.index + 1, name=name))


@console.post("/dossiers/<code>/steps/complete")
@staff_required
def complete_step(code: str):
    """Finish the step one claimed, with a comment, as ``POST …/steps/current/complete``."""
    db, version, row = _locked(code)
    comment = (request.form.get("step_comment") or "").strip()
    values = {"step_comment": comment}
    if row.version != version:
        return detail_page(row, conflict=changed_meanwhile(), values=values), 409
    if len(comment) > COMMENT_MAX:
        errors = {"step_comment": [_("At most %(n)s characters.", n=COMMENT_MAX)]}
        return detail_page(row, errors=errors, values=values), 422
    principal = session.signed_in()
    try:  # not the one who claimed it: the service's Forbidden, a 403
        step = workflow.complete(db, session.actor(), principal.id, row, version, comment)
    except InvalidInput:
        errors = {"step_comment": [_("Say what was done (it goes in the history).")]}
        return detail_page(row, errors=errors, values=values), 422
    except Conflict as error:
        return detail_page(row, conflict=str(error.message), values=values), 409
    return _done(code, _("Step %(number)s is complete: %(name)s.", number=step.index + 1, name=step.name))


@console.post("/dossiers/<code>/steps/handoff")
@staff_required
def handoff_step(code: str):
    """Hand the current step to another open unit, as ``POST …/steps/current/handoff``."""
    refused, form = _choice_form(code, "handoff_unit", "handoff_comment", _("Choose the unit to hand the step to."))
    if refused:
        return refused
    principal = session.signed_in()
    try:  # someone without the step's role on its unit: the service's Forbidden, a 403
        step = workflow.handoff(
            form.db, session.actor(), principal.roles, form.row, form.version, form.chosen, form.comment or None
        )
    except InvalidInput:
        errors = {"handoff_unit": [_("Choose an open unit of the province.")]}
        return detail_page(form.row, errors=errors, values=form.values), 422
    except Conflict as error:  # no open step, or the step is on that unit already
        return detail_page(form.row, conflict=str(error.message), values=form.values), 409
    return _done(code, _("Step %(number)s is handed off: %(name)s.", number=step.index + 1, name=step.name))
