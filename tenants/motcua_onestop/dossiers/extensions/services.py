"""Formal extensions of a dossier's deadline with an apology (form 04 of TT 03/2025).

- Only while the dossier is being processed (status 2, 4 or 6): a paused dossier (5) has no running
  clock to extend, and a finished or closed one nothing left to be late for.
- Only before the effective due date: the apology and the request to extend (form 04) are sent before
  the deadline passes, as the one-stop rules have it. An extension granted afterwards would move the
  date the outcome is measured against past a deadline already missed, turning a late dossier into an
  early one; from the due moment on the dossier stays late and the late notice goes out instead.
- The new due date is given outright, or as working days / working hours added with the tenant's
  calendar to the current effective due date. Either way it must be after it.
- ``dossiers.due_at`` never changes; ``extended_due_at`` becomes the new effective due date. Supplement
  pauses and extensions therefore stack in the order they happen: each moves the effective due date on
  from wherever the previous one left it. The extension row keeps the date before and after, the
  history an ``extend`` entry; a pause shows as its ``request_supplement`` and resume entries.
- One transaction: extension row, dossier (version bumped, so If-Match applies), history, audit and the
  applicant's ``extension`` message (its idempotency key names the extension).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, InvalidInput
from motcua_platform.i18n import _, format_datetime
from motcua_platform.tenant_context import TenantContext
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.calendar import services as calendar
from motcua_onestop.calendar.engine import to_local
from motcua_onestop.dossiers import history, services, versions
from motcua_onestop.dossiers.extensions.models import DossierExtension
from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.workflow import services as workflow
from motcua_onestop.notifications import services as notifications
from motcua_onestop.notifications.models import Event

EXTENSIBLE = (Status.RECEIVED, Status.PROCESSING, Status.PAYMENT)
MAX_REASON = 2000
MAX_APOLOGY = 4000


@dataclass(frozen=True)
class ExtensionRequest:
    reason: str | None
    apology: str | None
    new_due_at: dt.datetime | None = None
    working_days: int | None = None
    working_hours: int | None = None


def _new_due(session: Session, dossier: Dossier, data: ExtensionRequest, errors) -> dt.datetime | None:
    given = [name for name in ("new_due_at", "working_days", "working_hours") if getattr(data, name) is not None]
    if len(given) != 1:
        errors["new_due_at"] = [_("Give exactly one of new_due_at, working_days or working_hours.")]
        return None
    current = dossier.effective_due_at  # in the future: ``extend`` refuses a dossier already due
    if data.new_due_at is not None:
        try:
            new_due = to_local(data.new_due_at)
        except ValueError as exc:
            errors["new_due_at"] = [str(exc)]
            return None
    else:
        base = to_local(current)
        cal = calendar.load_calendar(session, since=base.date())
        try:
            if data.working_days is not None:
                if data.working_days < 1:
                    errors["working_days"] = [_("Must be at least 1.")]
                    return None
                day = base.date()
                for _day in range(data.working_days):
                    day = cal.next_working_day(day)
                new_due = cal.closing(day)
            else:
                if data.working_hours < 1:
                    errors["working_hours"] = [_("Must be at least 1.")]
                    return None
                new_due = cal.add_working_time(base, dt.timedelta(hours=data.working_hours))
        except (ValueError, OverflowError) as exc:
            errors[given[0]] = [str(exc)]
            return None
    if new_due <= current:
        errors[given[0]] = [
            _("The new due date must be after the current one (%(due)s).", due=format_datetime(current))
        ]
    return new_due


def _text(value: str | None, name: str, limit: int, errors) -> str:
    value = (value or "").strip()
    if not value:
        errors[name] = [_("Required (it is printed on form 04 and sent to the applicant).")]
    elif len(value) > limit:
        errors[name] = [_("At most %(limit)s characters.", limit=limit)]
    return value


def extend(
    session: Session,
    actor: Actor,
    staff_id: int | None,
    dossier: Dossier,
    expected_version: int,
    data: ExtensionRequest,
    *,
    tenant: TenantContext,
    now: dt.datetime | None = None,
) -> DossierExtension:
    """Extend ``dossier`` (loaded with ``lock=True``): stale version, wrong status or a due date already
    reached → Conflict, bad input → InvalidInput with every error at once; nothing is written in either
    case."""
    now = now or utcnow()
    versions.expect(dossier, expected_version)
    if dossier.status not in EXTENSIBLE or dossier.effective_due_at is None:
        status = Status(dossier.status)
        raise Conflict(
            _(
                "Only a dossier being processed (status 2, 4 or 6) can be extended; dossier %(code)s is "
                "in status %(status)s (%(status_name)s).",
                code=dossier.code,
                status=int(status),
                status_name=services.STATUS_NAMES[status],
            ),
            {"status": [_("Extensions apply in status 2, 4 or 6.")]},
        )
    if now >= dossier.effective_due_at:
        raise Conflict(
            _(
                "Dossier %(code)s was due at %(due)s: an extension with an apology (form 04) must be "
                "granted before the due date, not after it. The dossier stays late.",
                code=dossier.code,
                due=format_datetime(dossier.effective_due_at, timezone=tenant.timezone),
            ),
            {"due_at": [_("The due date has passed; extensions are granted only before it.")]},
        )
    errors: dict[str, list[str]] = {}
    reason = _text(data.reason, "reason", MAX_REASON, errors)
    apology = _text(data.apology, "apology", MAX_APOLOGY, errors)
    new_due = _new_due(session, dossier, data, errors)
    if errors:
        raise InvalidInput(_("The due date was not extended."), errors)
    step = workflow.current_step(session, dossier) if dossier.status == Status.PROCESSING else None
    previous = dossier.effective_due_at
    extension = DossierExtension(
        dossier_id=dossier.id,
        requested_by=staff_id,
        actor=str(actor),
        reason=reason,
        apology=apology,
        previous_due_at=previous,
        new_due_at=new_due,
        step_index=step.index if step is not None and step.finished_at is None else None,
        at=now,
    )
    session.add(extension)
    dossier.extended_due_at = new_due
    versions.bump(dossier, now)
    # the history is the dossier's record, kept in Vietnamese
    was, now_due = (format_datetime(moment, "vi", tenant.timezone) for moment in (previous, new_due))
    history.note(session, actor, dossier, "extend", f"Gia hạn từ {was} đến {now_due}: {reason}", now)
    session.flush()
    record(
        session,
        actor,
        "dossier.extend",
        target=f"dossier:{dossier.code}",
        extension=extension.id,
        previous_due_at=previous.isoformat(),
        new_due_at=new_due.isoformat(),
    )
    notifications.queue_for_dossier(
        session,
        tenant,
        dossier,
        Event.EXTENSION,
        procedure_name=services.procedure_of(session, dossier).name_vi,
        reason=reason,
        fact=str(extension.id),
        previous_due_at=previous,
        apology=apology,
    )
    session.flush()
    return extension


def extensions_of(session: Session, dossier: Dossier) -> list[DossierExtension]:
    query = select(DossierExtension).where(DossierExtension.dossier_id == dossier.id).order_by(DossierExtension.id)
    return list(session.scalars(query))


def latest(session: Session, dossier: Dossier) -> DossierExtension | None:
    query = select(DossierExtension).where(DossierExtension.dossier_id == dossier.id)
    return session.scalar(query.order_by(DossierExtension.id.desc()).limit(1))
