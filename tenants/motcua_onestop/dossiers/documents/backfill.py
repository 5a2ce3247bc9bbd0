"""What documents stored before issue 18 lack (ADR 0063): the rows written before the columns existed, or by a
script that checks none, have no ``signature_check``, so the officer's page and the public verification page
had nothing to say about them, and results had no ``verify_token``, so no public link. ``motcua documents
check-signatures`` fills both in.

Each PDF is read and verified with no lock held (reading storage and fetching revocation can take seconds,
and an officer may be signing or replacing that very document), then its check is written only if it is
still missing, and committed on its own: a run stopped half-way, or two at once, leaves every row either
checked or as it was, and the next run takes up what is left. A document whose file cannot be read is named
and skipped; the others are still checked.

No Flask here.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field

from motcua_platform.storage.services import TenantObjects
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.documents import signature_checks
from motcua_onestop.dossiers.documents.models import DocumentKind, DossierDocument

log = logging.getLogger(__name__)

PDF = "application/pdf"
BATCH = 100


@dataclass
class Backfill:
    """What a run did: the results given a public link, the checks stored by their summary
    (``signature_checks.summary``: good, problem, none…), and the documents whose bytes could not be read
    (id and why), which keep no check."""

    linked: int = 0
    checked: dict[str, int] = field(default_factory=dict)
    unreadable: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.checked.values())


def link_results(session: Session) -> int:
    """Give each current result without a public verification token one (committed); how many."""
    given = 0
    while ids := list(
        session.scalars(
            select(DossierDocument.id)
            .where(
                DossierDocument.kind == DocumentKind.RESULT,
                DossierDocument.superseded_at.is_(None),
                DossierDocument.verify_token.is_(None),
            )
            .order_by(DossierDocument.id)
            .limit(BATCH)
        )
    ):
        for document_id in ids:
            given += session.execute(
                update(DossierDocument)
                .where(DossierDocument.id == document_id, DossierDocument.verify_token.is_(None))
                .values(verify_token=secrets.token_urlsafe(32))
            ).rowcount
        session.commit()
    return given


def unchecked(session: Session, after_id: int = 0, limit: int = BATCH) -> list[tuple[int, str]]:
    """The next ``limit`` PDFs without a check after ``after_id``: (id, storage key), by id."""
    query = (
        select(DossierDocument.id, DossierDocument.storage_key)
        .where(
            DossierDocument.content_type == PDF,
            DossierDocument.signature_check.is_(None),
            DossierDocument.id > after_id,
        )
        .order_by(DossierDocument.id)
        .limit(limit)
    )
    return [(row.id, row.storage_key) for row in session.execute(query)]


def store_check(session: Session, document_id: int, check: dict) -> bool:
    """Write the check if the document still has none (the caller commits); False when another run, or the
    upload's revocation job, got there first."""
    written = session.execute(
        update(DossierDocument)
        .where(DossierDocument.id == document_id, DossierDocument.signature_check.is_(None))
        .values(signature_check=check)
    )
    return written.rowcount == 1


def run(
    session: Session, objects: TenantObjects, verifier: signature_checks.Verifier, *, limit: int | None = None
) -> Backfill:
    """Link the tenant's results, then check every PDF without a check (at most ``limit``), committing each."""
    result = Backfill(linked=link_results(session))
    after = attempted = 0
    while (room := BATCH if limit is None else min(BATCH, limit - attempted)) > 0:
        batch = unchecked(session, after, room)
        session.commit()  # no snapshot or lock is held while files are read and CAs answer
        if not batch:
            break
        for document_id, storage_key in batch:
            after, attempted = document_id, attempted + 1
            try:
                with objects.open(storage_key) as stream:
                    pdf = stream.read()
                check = signature_checks.check_of(verifier(pdf, allow_fetching=True), will_fetch=False)
            except FileNotFoundError:
                log.error("document %s: object %s is missing from storage", document_id, storage_key)
                result.unreadable.append((document_id, "the file is missing from storage"))
                continue
            except Exception as error:  # a storage or network error: said, and the run goes on
                log.exception("document %s: its signatures could not be checked", document_id)
                result.unreadable.append((document_id, f"{type(error).__name__}: {error}"[:300]))
                continue
            stored = store_check(session, document_id, check)
            session.commit()
            if stored:
                summary = signature_checks.summary(check)
                result.checked[summary] = result.checked.get(summary, 0) + 1
    return result
