"""Who acted, as an officer reads it: a staff member by their full name, the applicant, or the system,
never the raw ``kind:id:login`` the history and the audit log keep."""

from __future__ import annotations

from collections.abc import Iterable

from motcua_platform.auth.models import StaffAccount
from motcua_platform.i18n import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session


def _staff_id(actor: str) -> int | None:
    kind, _sep, rest = actor.partition(":")
    raw = rest.split(":", 1)[0]
    return int(raw) if kind == "staff" and raw.isascii() and raw.isdecimal() else None


def staff_names(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(StaffAccount.id, StaffAccount.full_name).where(StaffAccount.id.in_(wanted))
    return {row.id: row.full_name for row in session.execute(query)}


def actor_names(session: Session, actors: Iterable[str]) -> dict[str, str]:
    """Each actor string (a history entry's ``actor``) with the words the page shows for it."""
    actors = set(actors)
    names = staff_names(session, (_staff_id(actor) for actor in actors))
    shown = {}
    for actor in actors:
        kind = actor.split(":", 1)[0]
        if kind == "staff":
            shown[actor] = names.get(_staff_id(actor)) or _("A staff member")
        elif kind == "citizen":
            shown[actor] = _("The applicant")
        else:
            shown[actor] = _("The system")
    return shown
