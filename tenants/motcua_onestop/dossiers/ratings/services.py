"""Satisfaction ratings (issue 16, docs/ratings.md): once the result is ready (status 9 or 10), the applicant
rates how satisfied they are with the processing of their dossier, once, on the four-level scale with an
optional comment: signed in on the portal (or through the citizen API), or without signing in through the
link the result message carries. The link is a random token; the database keeps only its SHA-256, and it
works for ``LINK_DAYS`` days. A second rating of the same dossier is refused, whichever way it comes."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.db.written import written
from motcua_platform.errors import Conflict, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.inputs import UNSAFE_TEXT, is_unsafe
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import Dossier, Status
from motcua_onestop.dossiers.ratings.models import DossierRating, DossierRatingLink

# The national four-level scale, best first (stored as the number; the words are the pages').
LEVELS = {
    4: _("Very satisfied"),
    3: _("Satisfied"),
    2: _("Dissatisfied"),
    1: _("Very dissatisfied"),
}
# a rating at or below this level is "not satisfied" (QĐ 766 5.3 and 5.4)
DISLIKED = 2
# what is rated is the processing, judged once it has produced its result (ready or returned)
RATEABLE = frozenset({Status.DONE, Status.RETURNED})
COMMENT_MAX = 2000
# long enough for an applicant who collects the result at the counter weeks later, short enough that a link
# found in an old message or phone stops working
LINK_DAYS = 60


def named_levels() -> list[tuple[int, str]]:
    """The four levels, best first, in the current language (for a form or a list to show)."""
    return [(level, str(name)) for level, name in LEVELS.items()]


def rateable(dossier: Dossier) -> bool:
    return dossier.status in RATEABLE


def rating_of(session: Session, dossier: Dossier) -> DossierRating | None:
    return session.get(DossierRating, dossier.id)


def rate(
    session: Session,
    actor: Actor,
    dossier: Dossier,
    level: int,
    comment: str | None,
    *,
    via: str,
    citizen_account_id: int | None = None,
    now: dt.datetime | None = None,
) -> DossierRating:
    """Record the applicant's rating of ``dossier`` (loaded by the caller, who checked it is theirs or came
    through its link); ``citizen_account_id`` is the signed-in account that rates, None through the link,
    whose holder may be anyone the applicant gave it to. 422 for a level off the scale or a comment too long
    or with characters no text may hold, 409 before the result or when the dossier is already rated (a concurrent
    second rating too: the primary key decides)."""
    errors = {}
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
        errors["level"] = [_("Choose one of the four levels.")]
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_MAX:
        errors["comment"] = [_("At most %(n)s characters.", n=COMMENT_MAX)]
    elif comment is not None and is_unsafe(comment):  # a page's form is not checked as the API's body is
        errors["comment"] = [UNSAFE_TEXT]
    if errors:
        raise InvalidInput(_("The rating is not valid."), errors=errors)
    if not rateable(dossier):
        raise Conflict(_("A dossier can be rated once its result is ready."))
    now = now or utcnow()
    added = session.execute(
        insert(DossierRating)
        .values(
            dossier_id=dossier.id,
            level=level,
            comment=comment,
            via=via,
            citizen_account_id=citizen_account_id,
            rated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dossier_id"])
        .returning(DossierRating.dossier_id)
    ).first()
    if added is None:
        raise Conflict(_("This dossier has already been rated. Thank you."))
    record(session, actor, "dossier.rated", target=f"dossier:{dossier.code}", level=level, via=via)
    return session.get(DossierRating, dossier.id)


def invite(session: Session, dossier: Dossier, now: dt.datetime | None = None) -> str | None:
    """A new rating link's token for ``dossier`` (its result is ready), kept as its hash; None when the
    dossier has one already (the message that carried it is not sent again)."""
    token = secrets.token_urlsafe(24)
    expires = (now or utcnow()) + dt.timedelta(days=LINK_DAYS)
    added = session.execute(
        insert(DossierRatingLink)
        .values(dossier_id=dossier.id, token_sha256=_digest(token), expires_at=expires)
        .on_conflict_do_nothing(index_elements=["dossier_id"])
        .returning(DossierRatingLink.dossier_id)
    ).first()
    return token if added is not None else None


def dossier_for_link(session: Session, token: str, now: dt.datetime | None = None) -> Dossier:
    """The dossier a rating link is for; 404 for a token that is unknown, malformed or past its time (the
    same answer for each, so a link reveals nothing)."""
    if not (16 <= len(token) <= 64 and token.isascii()):
        raise NotFound(_("This rating link is not valid or has expired."))
    query = (
        select(Dossier)
        .join(DossierRatingLink, DossierRatingLink.dossier_id == Dossier.id)
        .where(DossierRatingLink.token_sha256 == _digest(token), DossierRatingLink.expires_at > (now or utcnow()))
    )
    dossier = session.scalar(query)
    if dossier is None:
        raise NotFound(_("This rating link is not valid or has expired."))
    return dossier


def given(
    session: Session, units: frozenset[int] | None, level: int | None = None, *, limit: int, offset: int = 0
) -> list:
    """The ratings of the dossiers received by ``units`` (None: the whole province), newest first, of one
    ``level`` or all: (rating, its dossier) pairs, for the office to read what applicants said."""
    query = select(DossierRating, Dossier).join(Dossier, Dossier.id == DossierRating.dossier_id)
    if units is not None:
        query = query.where(Dossier.receiving_unit_id.in_(units))
    if level is not None:
        query = query.where(DossierRating.level == level)
    order = (DossierRating.rated_at.desc(), DossierRating.dossier_id.desc())
    return list(session.execute(query.order_by(*order).limit(written(limit)).offset(written(offset))).all())


def counted(session: Session, units: frozenset[int] | None) -> dict[int, int]:
    """How many ratings of each level the dossiers received by ``units`` (None: all) have."""
    query = select(DossierRating.level, func.count()).join(Dossier, Dossier.id == DossierRating.dossier_id)
    if units is not None:
        query = query.where(Dossier.receiving_unit_id.in_(units))
    found = {level: count for level, count in session.execute(query.group_by(DossierRating.level))}
    return {level: found.get(level, 0) for level in LEVELS}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
