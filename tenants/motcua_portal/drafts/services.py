"""Drafts of online applications and parked posts. No Flask here: callers pass the tenant session, the
tenant's object storage (the same ``TenantObjects`` the documents service stores dossier files in) and
the citizen account id; ownership is decided here alone (someone else's draft is a 404, like one that
does not exist)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from motcua_platform.db.base import utcnow
from motcua_platform.errors import NotFound
from motcua_platform.storage.services import TenantObjects, new_key
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from motcua_portal.drafts.models import ParkedPost, PortalDraft

DRAFT_AREA = "drafts"  # storage keys of draft files: drafts/<32 hex>
PARKED_LIFETIME = dt.timedelta(days=1)


# -- drafts --------------------------------------------------------------------------------------
def own_drafts(session: Session, account_id: int) -> list[PortalDraft]:
    query = select(PortalDraft).where(PortalDraft.citizen_account_id == account_id)
    return list(session.scalars(query.order_by(PortalDraft.updated_at.desc(), PortalDraft.id.desc())))


def find_draft(session: Session, account_id: int, procedure_code: str, *, lock: bool = False) -> PortalDraft | None:
    query = select(PortalDraft).where(
        PortalDraft.citizen_account_id == account_id, PortalDraft.procedure_code == procedure_code
    )
    return session.scalar(query.with_for_update() if lock else query)


def get_own_draft(session: Session, account_id: int, draft_id: int, *, lock: bool = False) -> PortalDraft:
    query = select(PortalDraft).where(PortalDraft.id == draft_id, PortalDraft.citizen_account_id == account_id)
    draft = session.scalar(query.with_for_update() if lock else query)
    if draft is None:
        raise NotFound(f"No draft {draft_id}.")
    return draft


def draft_for(session: Session, account_id: int, procedure_code: str) -> PortalDraft:
    """The account's draft for the procedure, created empty on first use (locked for this transaction)."""
    draft = find_draft(session, account_id, procedure_code, lock=True)
    if draft is None:
        draft = PortalDraft(
            citizen_account_id=account_id, procedure_code=procedure_code, form={}, documents={}, updated_at=utcnow()
        )
        session.add(draft)
        session.flush()
    return draft


def touch(draft: PortalDraft) -> None:
    draft.updated_at = utcnow()


def set_form(draft: PortalDraft, form: dict) -> None:
    draft.form = form
    touch(draft)


def set_unit(draft: PortalDraft, unit_id: int) -> None:
    draft.receiving_unit_id = unit_id
    touch(draft)


@dataclass(frozen=True)
class DraftFile:
    """A file of a draft: where it is stored and what the citizen sees of it."""

    key: str
    filename: str
    size: int
    content_type: str
    sha256: str
    reused_from: int | None = None  # one of the citizen's kept documents given again (its document's id)

    def as_json(self) -> dict:
        shown = {
            "key": self.key,
            "filename": self.filename,
            "size": self.size,
            "content_type": self.content_type,
            "sha256": self.sha256,
        }
        return shown | ({"reused_from": self.reused_from} if self.reused_from is not None else {})


def store_file(objects: TenantObjects, data, content_type: str) -> str:
    """Write a draft file's bytes (already checked by the documents service's ``spool``) under a new
    ``drafts/`` key; the key."""
    key = new_key(DRAFT_AREA)
    objects.put(key, data, content_type=content_type)
    return key


def attach_file(draft: PortalDraft, component: int, file: DraftFile) -> str | None:
    """Record ``file`` as the draft's answer to required document ``component``; the key of the file it
    replaces, for the caller to delete once the change is committed."""
    documents = dict(draft.documents or {})
    previous = documents.get(str(component))
    documents[str(component)] = file.as_json()
    draft.documents = documents
    touch(draft)
    return previous["key"] if previous else None


def detach_file(draft: PortalDraft, component: int) -> str | None:
    documents = dict(draft.documents or {})
    previous = documents.pop(str(component), None)
    draft.documents = documents
    touch(draft)
    return previous["key"] if previous else None


def file_keys(draft: PortalDraft) -> list[str]:
    return [entry["key"] for entry in (draft.documents or {}).values()]


def delete_draft(session: Session, draft: PortalDraft) -> list[str]:
    """Delete the draft's row; the keys of its files, for the caller to delete once that is committed."""
    keys = file_keys(draft)
    session.delete(draft)
    session.flush()
    return keys


def remove_files(objects: TenantObjects, keys: list[str], log_failure: Callable[[str], None] | None = None) -> None:
    """Delete draft files (after the commit that forgot them). One that cannot be deleted stays an
    unread orphan; the rest still go."""
    for key in keys:
        try:
            objects.delete(key)
        except Exception:
            if log_failure:
                log_failure(key)


# -- posts parked while the session had expired --------------------------------------------------
def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def park(session: Session, path: str, fields: list[tuple[str, str]], now: dt.datetime | None = None) -> str:
    """Keep a step's posted fields; the random key to remember in the browser's session. Old parked
    posts (over a day) go at the same time."""
    now = now or utcnow()
    session.execute(delete(ParkedPost).where(ParkedPost.created_at < now - PARKED_LIFETIME))
    key = secrets.token_urlsafe(24)
    session.add(ParkedPost(key_hash=_hash(key), path=path[:300], fields=[list(pair) for pair in fields]))
    session.flush()
    return key


def unpark(session: Session, key: str, path: str, now: dt.datetime | None = None) -> list[tuple[str, str]] | None:
    """The fields parked under ``key`` for ``path`` (and forget them), or None."""
    now = now or utcnow()
    parked = session.get(ParkedPost, _hash(key))
    if parked is None or parked.path != path[:300]:
        return None
    session.delete(parked)
    session.flush()
    if parked.created_at < now - PARKED_LIFETIME:
        return None
    return [(str(name), str(value)) for name, value in parked.fields]
