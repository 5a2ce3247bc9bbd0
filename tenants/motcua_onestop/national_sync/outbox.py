"""Writing the national sync outbox, in the caller's transaction (the change's own): ``row`` builds one row,
``queue`` inserts it. A dossier's change is written whether or not the province has switched the sync on:
the rows wait, in order, and go once it is (docs/integrations.md)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_onestop.national_sync.models import NationalSyncOutbox, SyncStatus

OUTBOX = NationalSyncOutbox.__table__
OUTBOX_UNIQUE = ("dossier_id", "sequence")
# the same change recorded twice (a retried hook) is one row
QUEUE = insert(OUTBOX).on_conflict_do_nothing(index_elements=list(OUTBOX_UNIQUE))


def row(dossier_id: int, sequence: int, record: dict, at: dt.datetime) -> dict:
    """The outbox row of the change that brought dossier ``dossier_id`` to version ``sequence``, for a caller
    that writes it with others in one statement (``db.together``: ``OUTBOX``, skipping conflicts on
    ``OUTBOX_UNIQUE``). ``record``: ``payload.build``'s; ``at``: when the change happened (the first try)."""
    return {
        "dossier_id": dossier_id,
        "sequence": sequence,
        "idempotency_key": uuid.uuid4(),
        "payload": record,
        "status": SyncStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": at,
    }


def queue(session: Session, dossier_id: int, sequence: int, record: dict, at: dt.datetime) -> None:
    session.execute(QUEUE, row(dossier_id, sequence, record, at))
