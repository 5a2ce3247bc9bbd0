"""Documents given once (issue 16, item 6; docs/documents.md): a citizen account keeps the components it
hands in and the results it receives, is offered them again in a later dossier that asks for the same
document, and forgets those it no longer wants kept, except what a live dossier uses.

What is kept is a pointer to the dossier's document: the dossier keeps its row and its bytes whatever the
citizen does (a dossier's record is never rewritten), so forgetting removes a document from the citizen's
list only. Giving one again copies its bytes into the new dossier through the documents service, with the
same checks as an upload, and records where they came from (``reused_from_id``), which QĐ 766 item 4.3
counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.errors import Conflict, NotFound
from motcua_platform.i18n import _
from sqlalchemy import or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session, aliased

from motcua_onestop.dossiers.documents.checklist import same_kind
from motcua_onestop.dossiers.documents.models import DocumentKind, DossierDocument, KeptDocument
from motcua_onestop.dossiers.models import FINISHED_STATUSES, Dossier, Status

# a result is the citizen's once the office has returned it (at 9 it may still change), as the portal shows it
RESULT_READY = (Status.RETURNED,)
# Filled in for each application (a declaration, a request form): never offered again. Other documents are
# offered by name; which ones may lawfully be reused (a valid identity paper, yes; a previous child's birth
# certificate, no) is not in the catalogue yet: the citizen chooses, and the office checks as for an upload.
FILLED_PER_APPLICATION = ("tờ khai", "đơn ", "mẫu ")


@dataclass(frozen=True)
class Kept:
    id: int
    name: str
    kind: str
    filename: str
    size_bytes: int
    document_id: int
    dossier_code: str
    uploaded_at: dt.datetime
    in_use: bool  # a dossier not finished yet uses it: it cannot be forgotten now


def keep(session: Session, dossier: Dossier, document: DossierDocument, result_name: str | None = None) -> None:
    """Keep ``document`` for the dossier's citizen account, if it has one (a counter applicant without an
    account keeps nothing), unless it is itself a kept document given again: the account keeps that one
    already. Called by the documents service in the transaction that stores it."""
    if dossier.citizen_account_id is None or document.reused_from_id is not None:
        return
    name = document.component_name if document.kind == DocumentKind.COMPONENT else (result_name or "")
    session.execute(
        insert(KeptDocument)
        .values(citizen_account_id=dossier.citizen_account_id, document_id=document.id, name=(name or "")[:500])
        .on_conflict_do_nothing(index_elements=["citizen_account_id", "document_id"])
    )


def _open(dossier_alias) -> object:
    """A live dossier: not finished in the sense of every view of the platform (``FINISHED_STATUSES``:
    refused, withdrawn, stopped, result returned)."""
    return dossier_alias.status.not_in([int(status) for status in FINISHED_STATUSES])


def kept(session: Session, account_id: int, only: int | None = None) -> list[Kept]:
    """The account's kept documents, newest first: the current components of its dossiers (a replaced file is
    not offered) and the results of those whose result is ready; ``only``: that one, if it is among them."""
    source = aliased(Dossier)
    user, using = aliased(DossierDocument), aliased(Dossier)
    reused_by_open = (
        select(user.id)
        .join(using, using.id == user.dossier_id)
        .where(user.reused_from_id == DossierDocument.id, user.superseded_at.is_(None), _open(using))
        .exists()
    )
    query = (
        select(KeptDocument, DossierDocument, source.code, _open(source) | reused_by_open)
        .join(DossierDocument, DossierDocument.id == KeptDocument.document_id)
        .join(source, source.id == DossierDocument.dossier_id)
        .where(
            KeptDocument.citizen_account_id == account_id,
            DossierDocument.superseded_at.is_(None),
            or_(DossierDocument.kind == DocumentKind.COMPONENT, source.status.in_([int(s) for s in RESULT_READY])),
        )
        .order_by(DossierDocument.uploaded_at.desc(), KeptDocument.id.desc())
    )
    if only is not None:
        query = query.where(KeptDocument.id == only)
    return [
        Kept(row.id, row.name, document.kind, document.filename, document.size_bytes, document.id, code,
             document.uploaded_at, bool(in_use))
        for row, document, code, in_use in session.execute(query).all()
    ]  # fmt: skip


def offered(name: str) -> bool:
    return not same_kind(name).startswith(FILLED_PER_APPLICATION)


def offers(session: Session, account_id: int, required: list[dict]) -> dict[int, list[Kept]]:
    """For each required document (by its index) that is not filled in per application, the kept documents
    of the same kind, newest first."""
    by_name: dict[str, list[Kept]] = {}
    for item in kept(session, account_id):
        by_name.setdefault(same_kind(item.name), []).append(item)
    return {
        index: by_name[same_kind(d["name"])]
        for index, d in enumerate(required)
        if offered(d["name"]) and same_kind(d["name"]) in by_name
    }


def kept_document(session: Session, account_id: int, kept_id: int) -> Kept:
    """One of the account's kept documents (404 for anyone else's or one no longer offered)."""
    found = kept(session, account_id, only=kept_id)
    if not found:
        raise NotFound(_("You have no such kept document."))
    return found[0]


def source_of(session: Session, account_id: int, kept_id: int, component_name: str) -> DossierDocument:
    """The document whose bytes a reuse copies: one of the account's kept documents of the same kind as the
    required document; any other is a 404, as it is not offered there."""
    item = kept_document(session, account_id, kept_id)
    if same_kind(item.name) != same_kind(component_name) or not offered(component_name):
        raise NotFound(_("You have no such kept document."))
    return session.get(DossierDocument, item.document_id)


def forget(session: Session, actor: Actor, account_id: int, kept_id: int) -> None:
    """Remove one of the account's kept documents from its list; 409 while a dossier not finished uses it."""
    row = session.get(KeptDocument, kept_id, with_for_update=True)  # first: a reuse meanwhile waits for it
    if row is None or row.citizen_account_id != account_id:
        raise NotFound(_("You have no such kept document."))
    item = kept_document(session, account_id, kept_id)
    if item.in_use:
        raise Conflict(_("A dossier that is not finished uses this document: it can be removed once it is."))
    session.delete(row)
    session.flush()
    record(session, actor, "citizen.document_forget", target=f"document:{item.document_id}")
