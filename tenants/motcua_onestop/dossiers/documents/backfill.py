"""Signature checks for the PDFs stored before uploads were checked (ADR 0063): the rows written before the
column existed, or by a script that checks none, have ``signature_check`` NULL, so the officer's page and the
public verification page had nothing to say about them. ``motcua documents check-signatures`` fills them in.

Each document is checked and committed on its own, under its row lock, and only while its check is still
missing: a run stopped half-way (or two runs at once) leaves every row either checked or as it was, and the
next run takes up what is left. Off the request, revocation is fetched when the deployment does.

No Flask here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from motcua_platform.errors import NotFound
from motcua_platform.storage.services import TenantObjects
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.documents import signature_checks
from motcua_onestop.dossiers.documents.models import DossierDocument
from motcua_onestop.dossiers.documents.services import open_content

PDF = "application/pdf"
BATCH = 100


@dataclass
class Backfill:
    """What a run did: checks stored by their summary (``signature_checks.summary``: good, broken, none…),
    and the documents whose bytes could not be read (their id and why), which keep no check."""

    checked: dict[str, int] = field(default_factory=dict)
    unreadable: list[tuple[int, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.checked.values())


def unchecked(session: Session, after_id: int = 0, limit: int = BATCH) -> list[int]:
    """The next ``limit`` PDFs without a check, by id, after ``after_id``."""
    query = (
        select(DossierDocument.id)
        .where(
            DossierDocument.content_type == PDF,
            DossierDocument.signature_check.is_(None),
            DossierDocument.id > after_id,
        )
        .order_by(DossierDocument.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def check_stored(
    session: Session, objects: TenantObjects, document_id: int, verifier: signature_checks.Verifier
) -> dict | None:
    """Check one stored PDF whose check is missing and store it (the caller commits); None when another run
    got there first."""
    document = session.get(DossierDocument, document_id, with_for_update=True, populate_existing=True)
    if document is None or document.signature_check is not None or document.content_type != PDF:
        return None
    with open_content(objects, document) as stream:
        pdf = stream.read()
    document.signature_check = signature_checks.check_of(verifier(pdf, allow_fetching=True), will_fetch=False)
    session.flush()
    return document.signature_check


def run(
    session: Session,
    objects: TenantObjects,
    verifier: signature_checks.Verifier,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] = lambda done: None,
) -> Backfill:
    """Check every PDF of the tenant without a check (at most ``limit``), committing each."""
    result = Backfill()
    after = attempted = 0
    while (room := BATCH if limit is None else min(BATCH, limit - attempted)) > 0:
        ids = unchecked(session, after, room)
        session.rollback()  # the listing's snapshot is not held while files are read
        if not ids:
            break
        for document_id in ids:
            after, attempted = document_id, attempted + 1
            try:
                check = check_stored(session, objects, document_id, verifier)
            except (OSError, NotFound) as error:  # a missing or unreadable object: said, and the run goes on
                session.rollback()
                result.unreadable.append((document_id, str(getattr(error, "message", None) or error)))
                continue
            session.commit()
            if check is not None:
                summary = signature_checks.summary(check)
                result.checked[summary] = result.checked.get(summary, 0) + 1
        progress(result.total)
    return result
