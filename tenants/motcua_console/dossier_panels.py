"""The parts of an officer's dossier page that page modules add (the steps, the extensions, the documents'
forms, …): each registers what its part needs to be drawn with ``@panel``, and the dossier page, however
it is drawn (after a GET, a 409 or a 422), gathers them all, so every answer shows the same page."""

from __future__ import annotations

from collections.abc import Callable

from motcua_onestop.dossiers.models import Dossier
from sqlalchemy.orm import Session

PANELS: list[Callable[[Session, Dossier], dict]] = []


def panel(build: Callable[[Session, Dossier], dict]) -> Callable[[Session, Dossier], dict]:
    PANELS.append(build)
    return build


def context(session: Session, dossier: Dossier) -> dict:
    values: dict = {}
    for build in PANELS:
        values.update(build(session, dossier))
    return values
