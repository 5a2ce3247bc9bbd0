"""Officers' comments on a dossier: a history entry (action ``comment``) with no change of status.

A comment does not bump the dossier's version and needs no If-Match: it changes nothing another officer
could have based a decision on, so it must not turn a colleague's pending transition into a 409."""

from __future__ import annotations

import datetime as dt

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput
from motcua_platform.i18n import _
from sqlalchemy.orm import Session

from motcua_onestop.dossiers import history
from motcua_onestop.dossiers.models import Dossier

MAX_COMMENT = 2000


def add_comment(session: Session, actor: Actor, dossier: Dossier, comment: str | None, now=None) -> dict:
    """The entry as written (``now`` is its time, so the answer needs nothing read back)."""
    now: dt.datetime = now or utcnow()
    text = (comment or "").strip()
    if not text:
        raise InvalidInput(_("The comment is empty."), {"comment": [_("Write the comment.")]})
    if len(text) > MAX_COMMENT:
        raise InvalidInput(
            _("The comment is too long."),
            {"comment": [_("At most %(max_comment)s characters.", max_comment=MAX_COMMENT)]},
        )
    entry = history.note(session, actor, dossier, "comment", text, now)
    record(session, actor, "dossier.comment", target=f"dossier:{dossier.code}")
    return entry
