"""A dossier's required documents (its components) and which of them have been provided: what the
workflow checks before completing a dossier and what officers and citizens see as the checklist."""

from __future__ import annotations

import unicodedata

from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from sqlalchemy import select
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.dossiers.documents.models import DocumentKind, DossierDocument
from motcua_onestop.dossiers.models import Dossier


def required_documents(session: Session, dossier: Dossier) -> list[dict]:
    """The required documents of the procedure VERSION the dossier was submitted under."""
    return list(session.get(Procedure, dossier.procedure_id).documents or [])


def same_kind(text: str) -> str:
    """A required document's name as names are compared: Unicode form, case and spacing aside."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def resolve_component(documents: list[dict], component: str | None) -> int:
    """The index of the required document ``component`` names: its index (0, 1, …) or its exact name
    (case and spacing aside)."""
    value = (component or "").strip()
    if value.isascii() and value.isdecimal() and int(value) < len(documents):
        return int(value)
    for index, document in enumerate(documents):
        if value and same_kind(document["name"]) == same_kind(value):
            return index
    listed = "; ".join(f"{i}: {d['name']}" for i, d in enumerate(documents)) or "none"
    raise InvalidInput(
        _("Unknown component."),
        {
            "component": [
                _(
                    "Give the index or the name of one of the procedure's required documents (%(listed)s).",
                    listed=listed,
                )
            ]
        },
    )


def checklist(session: Session, dossier: Dossier) -> list[dict]:
    """Each required document of the procedure version and the current document answering it, if any."""
    current = {
        d.component_index: d
        for d in session.scalars(
            select(DossierDocument).where(
                DossierDocument.dossier_id == dossier.id,
                DossierDocument.kind == DocumentKind.COMPONENT,
                DossierDocument.superseded_at.is_(None),
            )
        )
    }
    return [
        {
            "index": index,
            "name": document["name"],
            "required": document.get("required", True),
            "original": document.get("original", True),
            "count": document.get("count", 1),
            "present": index in current,
            "document_id": current[index].id if index in current else None,
        }
        for index, document in enumerate(required_documents(session, dossier))
    ]
