"""What the national portal is told of a dossier: every status change (intake included) puts the dossier's
sync record, as it is after the change, into the national sync outbox in the change's own transaction,
numbered by the dossier's version (``national_sync``; docs/integrations.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.national_sync import outbox, payload
from motcua_onestop.units.models import Unit


def on_status_change(
    session: Session, dossier: Dossier, procedure: Procedure, history: list[dict], at: dt.datetime
) -> None:
    """The hook ``dossiers.services.transition`` calls after the status, the version and the history entry
    of the change are written. ``history``: the dossier's status changes as its owner sees them
    (``services.citizen_history``), this one last."""
    unit = session.get(Unit, dossier.receiving_unit_id)
    record = payload.build(dossier, procedure, unit, history)
    outbox.queue(session, dossier.id, dossier.version, record, at)


def row_on_intake(dossier: Dossier, procedure: Procedure, unit: Unit, entry: dict) -> dict:
    """The outbox row of a new dossier, for intake, which writes it in the same statement as the dossier
    (``db.together``). ``entry``: the intake's history entry as ``citizen_history`` would show it."""
    record = payload.build(dossier, procedure, unit, [entry])
    return outbox.row(dossier.id, dossier.version, record, dossier.submitted_at)
