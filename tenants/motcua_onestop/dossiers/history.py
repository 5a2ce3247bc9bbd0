"""The dossier's append-only history: every action goes in through these functions (``entry`` builds the
row, ``add`` and ``note`` write it)."""

from __future__ import annotations

import datetime as dt

from motcua_platform.audit.services import Actor
from sqlalchemy import insert
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import Dossier, DossierHistory

TABLE = DossierHistory.__table__
INSERT = insert(TABLE)  # built once: every action on every dossier writes one


def add(
    session: Session,
    actor: Actor | str,
    dossier: Dossier,
    action: str,
    before: int | None,
    after: int | None,
    comment: str | None = None,
    at: dt.datetime | None = None,
) -> dict:
    """One entry: who, what, the status before and after, a comment; ``at`` defaults to the database's now.
    A plain INSERT sent at once (nothing changes an entry after it is written, so the ORM's unit of work
    would only add cost to every action). Returns the values written."""
    values = entry(actor, dossier, action, before, after, comment, at)
    session.execute(INSERT, values)
    return values


def entry(
    actor: Actor | str,
    dossier: Dossier,
    action: str,
    before: int | None,
    after: int | None,
    comment: str | None = None,
    at: dt.datetime | None = None,
) -> dict:
    """The row ``add`` writes, for a caller that writes it together with others (``db.together``, as
    intake does with the new dossier): ``dossier.id`` must be known."""
    values = {
        "dossier_id": dossier.id,
        "actor": str(actor),
        "action": action,
        "from_status": before,
        "to_status": after,
        "comment": comment,
    }
    if at is not None:
        values["at"] = at
    return values


def note(
    session: Session,
    actor: Actor | str,
    dossier: Dossier,
    action: str,
    comment: str | None,
    at: dt.datetime | None = None,
) -> dict:
    """An action that leaves the status as it is (a comment, a step, a document, an extension, a notice)."""
    return add(session, actor, dossier, action, dossier.status, dossier.status, comment, at)
