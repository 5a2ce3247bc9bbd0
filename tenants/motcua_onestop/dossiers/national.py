"""What the national portal is told of a dossier: every status change (intake included) puts the dossier's
sync record, as it is after the change, into the national sync outbox in the change's own transaction,
numbered by the dossier's version (``national_sync``; docs/integrations.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers.documents.models import DocumentKind, DossierDocument
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.workflow.models import DossierSignature
from motcua_onestop.national_sync import outbox, payload
from motcua_onestop.units.models import Unit


def on_status_change(
    session: Session, dossier: Dossier, procedure: Procedure, history: list[dict], at: dt.datetime
) -> None:
    """The hook ``dossiers.services.transition`` calls after the status, the version and the history entry
    of the change are written. ``history``: the dossier's status changes as its owner sees them
    (``services.citizen_history``), this one last."""
    unit = session.get(Unit, dossier.receiving_unit_id)
    record = payload.build(dossier, procedure, unit, history, result_file=result_file(session, dossier))
    outbox.queue(session, dossier.id, dossier.version, record, at)


def result_file(session: Session, dossier: Dossier) -> dict | None:
    """The current result document the citizen downloads (the newest, PDF first) and whether a signature step
    signed it; none without a result file."""
    if not dossier.has_result_file:
        return None
    document = session.scalar(
        select(DossierDocument)
        .where(
            DossierDocument.dossier_id == dossier.id,
            DossierDocument.kind == DocumentKind.RESULT,
            DossierDocument.superseded_at.is_(None),
        )
        .order_by((DossierDocument.content_type == "application/pdf").desc(), DossierDocument.id.desc())
        .limit(1)
    )
    if document is None:
        return None
    signed = select(DossierSignature.id).where(DossierSignature.document_id == document.id).limit(1)
    return {"signed": session.scalar(signed) is not None, "sha256": document.sha256}


def row_on_intake(dossier: Dossier, procedure: Procedure, unit: Unit, entry: dict) -> dict:
    """The outbox row of a new dossier, for intake, which writes it in the same statement as the dossier
    (``db.together``). ``entry``: the intake's history entry as ``citizen_history`` would show it."""
    record = payload.build(dossier, procedure, unit, [entry])
    return outbox.row(dossier.id, dossier.version, record, dossier.submitted_at)
