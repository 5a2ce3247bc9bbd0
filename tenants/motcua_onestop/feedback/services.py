"""Feedback and complaints (PAKN): what each person may do with an item, at which step, by when.

Steps: received → (province staff assign it to a unit) → the unit rejects it (within 2 working days), asks for
more (within 5; the person answers through their link, and the 15 days to answer start again from then),
or answers it (within 15 working days of receipt); an answered item is published (within 2 working days of
the answer) with a title and text the officer writes without personal data. The person rates the answer
once, on the four-level scale of the dossier ratings. Times are on the province's working calendar
(``calendar.services.due_at``), so Tết and make-up Saturdays count as they do for dossiers.

Who: the submitter (anyone, with or without an account) through the private link given at submission; the
staff with an officer or tenant-admin role on the province's root unit for unassigned items and assigning;
the staff of the assigned unit's subtree for the rest (``reach``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import Conflict, Forbidden, InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.inputs import UNSAFE_TEXT, is_unsafe
from motcua_platform.plugins.definitions import TimeLimit, TimeUnit
from motcua_platform.timezones import VIETNAM
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from motcua_onestop.calendar.services import due_at
from motcua_onestop.catalogue.text import fold
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.dossiers.ratings.services import DISLIKED
from motcua_onestop.feedback.models import CATEGORIES, KINDS, TEXT_MAX, FeedbackItem
from motcua_onestop.units.models import Unit

# The legal times (QĐ 766 item 5.2), in working days.
REJECT_DAYS, INFO_DAYS, ANSWER_DAYS, PUBLISH_DAYS = 2, 5, 15, 2
OPEN = ("received", "info_requested")
# What a published text must not carry: e-mail addresses; phone numbers (+84 or 0, then 8 to 10 digits,
# spaces, dots or dashes between them as people write them); 9- and 12-digit identity numbers written the
# same way. A 10-digit tax code and amounts written with thousands separators are left alone.
_SEP = r"[ .\-]?"
PERSONAL = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    rf"|(?<![0-9])(?:\(?\+84\)?{_SEP}|0)[1-9](?:{_SEP}[0-9]){{7,9}}(?![0-9])"
    rf"|(?<![0-9])[0-9]{{3}}(?:{_SEP}[0-9]{{3}}){{2,3}}(?![0-9])"
)
NAME_SHORTEST = 4  # a shorter name ("An") is a word of ordinary sentences: not looked for


def _working_days(session: Session, start: dt.datetime, days: int) -> dt.datetime:
    return due_at(session, start, TimeLimit(days, TimeUnit.WORKING_DAYS))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _text(errors: dict, name: str, value, limit: int, *, required: bool = True) -> str | None:
    """``value`` trimmed, or an error for ``name`` (empty when required, too long, unstorable)."""
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        errors[name] = [_("Enter text.")]
    elif not value:
        if required:
            errors[name] = [_("This field is required.")]
        return None
    elif len(value) > limit:
        errors[name] = [_("At most %(n)s characters.", n=limit)]
    elif is_unsafe(value):
        errors[name] = [UNSAFE_TEXT]
    return value or None


def _one_text(name: str, value, refusal) -> str:
    """A step's one required text, trimmed; ``refusal`` (422) naming the field when it is wrong."""
    errors: dict[str, list] = {}
    text = _text(errors, name, value, TEXT_MAX)
    if errors:
        raise InvalidInput(refusal, errors=errors)
    return text


@dataclass(frozen=True)
class Submission:
    kind: str
    category: str
    title: str
    content: str
    name: str
    contact: str
    dossier_code: str | None = None
    # the private link's token of the person's earlier item about the same matter (only its holder may say so)
    repeat_of: str | None = None


def submit(
    session: Session, actor: Actor, data: Submission, *, citizen_account_id: int | None = None, now=None
) -> tuple[FeedbackItem, str]:
    """Record a submission; the item and its private link's token (shown once, kept as its hash). 422
    naming each field that is wrong, with nothing written."""
    errors: dict[str, list] = {}
    if data.kind not in KINDS:
        errors["kind"] = [_("Choose feedback or recommendation.")]
    if data.category not in CATEGORIES:
        errors["category"] = [_("Choose what it is about.")]
    title = _text(errors, "title", data.title, 200)
    content = _text(errors, "content", data.content, TEXT_MAX)
    name = _text(errors, "name", data.name, 200)
    contact = _text(errors, "contact", data.contact, 200)
    dossier_code = _text(errors, "dossier_code", data.dossier_code, 60, required=False)
    known = dossier_code is None or session.scalar(select(Dossier.id).where(Dossier.code == dossier_code))
    if not known and "dossier_code" not in errors:
        errors["dossier_code"] = [_("No dossier has this code.")]
    earlier = None
    if data.repeat_of:
        try:
            earlier = by_token(session, data.repeat_of)
        except NotFound:
            errors["repeat_of"] = [_("This feedback link is not valid.")]
    if errors:
        raise InvalidInput(_("The feedback is not complete."), errors=errors)
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    item = FeedbackItem(
        code="PA" + secrets.token_hex(6).upper(),  # 48 random bits: no two alike in a province's lifetime
        access_sha256=_digest(token),
        kind=data.kind,
        category=data.category,
        title=title,
        content=content,
        dossier_code=dossier_code,
        submitter_name=name,
        submitter_contact=contact,
        citizen_account_id=citizen_account_id,
        repeat_of_id=earlier.id if earlier is not None else None,
        status="received",
        received_at=now,
        reject_due_at=_working_days(session, now, REJECT_DAYS),
        info_due_at=_working_days(session, now, INFO_DAYS),
        answer_due_at=_working_days(session, now, ANSWER_DAYS),
    )
    session.add(item)
    session.flush()
    record(session, actor, "feedback.submit", target=f"feedback:{item.code}", category=item.category)
    return item, token


def by_token(session: Session, token: str, *, lock: bool = False) -> FeedbackItem:
    """The item a private link is for (``lock``: for a change, so it queues behind the office's); 404 for an
    unknown or malformed token (the same answer for each)."""
    if not (16 <= len(token) <= 64 and token.isascii()):
        raise NotFound(_("This feedback link is not valid."))
    query = select(FeedbackItem).where(FeedbackItem.access_sha256 == _digest(token))
    item = session.scalar(query.with_for_update() if lock else query)
    if item is None:
        raise NotFound(_("This feedback link is not valid."))
    return item


def published(session: Session, code: str) -> FeedbackItem:
    item = session.scalar(
        select(FeedbackItem).where(FeedbackItem.code == code.upper(), FeedbackItem.status == "published")
    )
    if item is None:
        raise NotFound(_("No published answer has this code."))
    return item


def published_list(session: Session, *, limit: int, offset: int = 0) -> tuple[list[FeedbackItem], int]:
    query = select(FeedbackItem).where(FeedbackItem.status == "published")
    total = session.scalar(query.with_only_columns(func.count()))
    newest = (FeedbackItem.published_at.desc(), FeedbackItem.id.desc())
    rows = session.scalars(query.order_by(*newest).limit(limit).offset(offset))
    return list(rows), total or 0


# -- the office ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reach:
    """What a staff member handles: the units of their roles' subtrees, and whether they hold a role on the
    province's root (unassigned items and assigning are the province's)."""

    units: frozenset[int]
    province: bool

    def covers(self, item: FeedbackItem) -> bool:
        return item.unit_id in self.units if item.unit_id is not None else self.province


def handled(session: Session, reach: Reach, item_id: int, *, lock: bool = False) -> FeedbackItem:
    """An item the staff member handles (404 otherwise, as for one that does not exist); ``lock`` for a
    change."""
    item = session.get(FeedbackItem, item_id, with_for_update=lock)
    if item is None or not reach.covers(item):
        raise NotFound(_("No such feedback."))
    return item


def listing(
    session: Session, reach: Reach, status: str | None, *, limit: int, offset: int = 0
) -> tuple[list[FeedbackItem], int]:
    """The items the staff member handles, oldest open first within a status, newest first otherwise."""
    covered = FeedbackItem.unit_id.in_(reach.units)
    query = select(FeedbackItem).where(covered | FeedbackItem.unit_id.is_(None) if reach.province else covered)
    if status:
        query = query.where(FeedbackItem.status == status)
    total = session.scalar(query.with_only_columns(func.count())) or 0
    order = (FeedbackItem.answer_due_at, FeedbackItem.id) if status in OPEN else (FeedbackItem.received_at.desc(),)
    return list(session.scalars(query.order_by(*order).limit(limit).offset(offset))), total


def _require(item: FeedbackItem, *statuses: str) -> None:
    if item.status not in statuses:
        raise Conflict(_("This feedback is no longer at that step."))


def assign(session: Session, actor: Actor, reach: Reach, item: FeedbackItem, unit_id: int, now=None) -> None:
    """Give the item to a unit (the province's staff; any open unit of the province)."""
    if not reach.province:
        raise Forbidden(_("Feedback is assigned by the province's staff."))
    _require(item, *OPEN)
    now = now or utcnow()
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    today = now.astimezone(VIETNAM).date()
    if unit is None or unit.valid_from > today or (unit.valid_to is not None and unit.valid_to < today):
        raise InvalidInput(_("The feedback is not valid."), errors={"unit_id": [_("Choose an open unit.")]})
    item.unit_id, item.assigned_at = unit_id, now
    record(session, actor, "feedback.assign", target=f"feedback:{item.code}", unit_id=unit_id)


def reject(session: Session, actor: Actor, item: FeedbackItem, reason: str, now=None) -> None:
    """Refuse to handle it (outside the province's remit, a duplicate, abusive…), saying why."""
    _require(item, *OPEN)
    reason = _one_text("reason", reason, _("The feedback is not valid."))
    item.status, item.rejected_at, item.reject_reason = "rejected", now or utcnow(), reason
    record(session, actor, "feedback.reject", target=f"feedback:{item.code}")


def request_info(session: Session, actor: Actor, item: FeedbackItem, request: str, now=None) -> None:
    """Ask the person for more, once (asking again would stretch the time to answer without end)."""
    _require(item, "received")
    if item.info_requested_at is not None:
        raise Conflict(_("More was asked for once already: answer with what you have, or reject it."))
    request = _one_text("request", request, _("The feedback is not valid."))
    item.status, item.info_requested_at, item.info_request = "info_requested", now or utcnow(), request
    record(session, actor, "feedback.request_info", target=f"feedback:{item.code}")


def give_info(session: Session, actor: Actor, item: FeedbackItem, text: str, now=None) -> None:
    """The submitter's reply to a request for more; the 15 working days to answer run from it."""
    _require(item, "info_requested")
    text = _one_text("info", text, _("The reply is not valid."))
    now = now or utcnow()
    item.status, item.info_given_at, item.info_given = "received", now, text
    item.answer_due_at = _working_days(session, now, ANSWER_DAYS)
    record(session, actor, "feedback.give_info", target=f"feedback:{item.code}")


def answer(session: Session, actor: Actor, item: FeedbackItem, text: str, now=None) -> None:
    """Answer it; also while waiting for the person's reply, which may never come."""
    _require(item, *OPEN)
    text = _one_text("answer", text, _("The answer is not valid."))
    now = now or utcnow()
    item.status, item.answered_at, item.answer = "answered", now, text
    item.publish_due_at = _working_days(session, now, PUBLISH_DAYS)
    record(session, actor, "feedback.answer", target=f"feedback:{item.code}")


def redacted(text: str) -> str:
    """``text`` without phone numbers, e-mail addresses or identity numbers: the officer's starting point
    for what the portal will show (they read and edit it before publishing)."""
    return PERSONAL.sub("…", text)


def names_the_person(item: FeedbackItem, text: str) -> bool:
    """Whether ``text`` still carries a phone number, an e-mail address or an identity number, the person's
    contact, or their name as whole words (accents, case and spacing aside; a name shorter than
    ``NAME_SHORTEST`` letters is a word of ordinary sentences and is not looked for)."""
    if PERSONAL.search(text):
        return True
    words = " " + fold(text) + " "
    name = fold(item.submitter_name)
    if len(name.replace(" ", "")) >= NAME_SHORTEST and f" {name} " in words:
        return True
    contact = "".join(item.submitter_contact.split()).casefold()
    return len(contact) >= 6 and contact in "".join(text.split()).casefold()


def publish(session: Session, actor: Actor, item: FeedbackItem, title: str, content: str, answer_text: str,
            now=None) -> None:  # fmt: skip
    """Show it on the portal as the officer wrote it for the public: a title, the feedback and the answer;
    refused while any of them still names the person (``names_the_person``)."""
    _require(item, "answered")
    errors: dict = {}
    shown = {
        "public_title": _text(errors, "public_title", title, 200),
        "public_content": _text(errors, "public_content", content, TEXT_MAX),
        "public_answer": _text(errors, "public_answer", answer_text, TEXT_MAX),
    }
    for field, value in shown.items():
        if value and field not in errors and names_the_person(item, value):
            errors[field] = [_("Remove the person's name, phone, e-mail and identity numbers before publishing.")]
    if errors:
        raise InvalidInput(_("The published text is not valid."), errors=errors)
    item.status, item.published_at = "published", now or utcnow()
    item.public_title, item.public_content, item.public_answer = shown.values()
    record(session, actor, "feedback.publish", target=f"feedback:{item.code}")


def rate(session: Session, actor: Actor, item: FeedbackItem, level, now=None) -> None:
    """The submitter's rating of the answer, once (the four levels of the dossier ratings)."""
    if item.status not in ("answered", "published"):
        raise Conflict(_("The answer can be rated once it is given."))
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 4:
        raise InvalidInput(_("The rating is not valid."), errors={"level": [_("Choose one of the four levels.")]})
    if item.rating is not None:
        raise Conflict(_("This answer has already been rated. Thank you."))
    item.rating, item.rated_at = level, now or utcnow()
    record(session, actor, "feedback.rate", target=f"feedback:{item.code}", level=level)


# -- QĐ 766 group 5 --------------------------------------------------------------------------------
def late_steps(item: FeedbackItem, at: dt.datetime) -> list[str]:
    """The steps done after their time, or not done by ``at`` past it, as things stood at ``at`` (what
    happened at or after it has not happened yet), so a period's figures do not move with later events."""

    def done(moment: dt.datetime | None) -> bool:
        return moment is not None and moment < at

    late = []
    if done(item.rejected_at) and item.rejected_at > item.reject_due_at:
        late.append("reject")
    if done(item.info_requested_at) and item.info_requested_at > item.info_due_at:
        late.append("info")
    if done(item.answered_at):
        if item.answered_at > item.answer_due_at:
            late.append("answer")
        if done(item.published_at):
            if item.published_at > item.publish_due_at:
                late.append("publish")
        elif at > item.publish_due_at:
            late.append("publish")
    elif not done(item.rejected_at):
        waiting = done(item.info_requested_at) and not done(item.info_given_at)  # the person's turn: paused
        if not waiting and at > item.answer_due_at:
            late.append("answer")
    return late


def _finished_at(item: FeedbackItem) -> dt.datetime | None:
    return item.rejected_at or item.published_at


def indicator_parts(session: Session, start: dt.datetime, end: dt.datetime) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of 5.2 and 5.3 for the period [start, end), as things stood at its end:

    - 5.2 handled on time: the items finished in the period (rejected or published) and those still open at
      its end past a legal time; on time, the finished ones with every step in its time.
    - 5.3 satisfaction: the items answered in the period; satisfied, those not rated "dissatisfied" or
      worse, not followed by a repeat about the same matter (sent through the item's private link after the
      answer, and not itself rejected), and answered in time."""
    finished_at = func.coalesce(FeedbackItem.rejected_at, FeedbackItem.published_at)
    relevant = ((finished_at >= start) & (finished_at < end)) | (
        (FeedbackItem.received_at < end) & (finished_at.is_(None) | (finished_at >= end))
    )
    rows = session.scalars(select(FeedbackItem).where(relevant)).all()
    done = [item for item in rows if _finished_at(item) is not None and start <= _finished_at(item) < end]
    open_at_end = [item for item in rows if _finished_at(item) is None or _finished_at(item) >= end]
    on_time = sum(1 for item in done if not late_steps(item, end))
    still_late = sum(1 for item in open_at_end if late_steps(item, end))
    in_period = (FeedbackItem.answered_at >= start) & (FeedbackItem.answered_at < end)
    answered = session.scalars(select(FeedbackItem).where(in_period)).all()
    earlier = aliased(FeedbackItem)
    repeats = (
        select(FeedbackItem.repeat_of_id)
        .join(earlier, earlier.id == FeedbackItem.repeat_of_id)
        .where(
            FeedbackItem.repeat_of_id.in_([item.id for item in answered]),
            FeedbackItem.received_at > earlier.answered_at,
            FeedbackItem.status != "rejected",
        )
    )
    repeated = set(session.scalars(repeats))
    satisfied = sum(
        1
        for item in answered
        if not (item.rating is not None and item.rating <= DISLIKED)
        and item.id not in repeated
        and item.answered_at <= item.answer_due_at
    )
    return {"5.2": (on_time, len(done) + still_late), "5.3": (satisfied, len(answered))}


def by_category(session: Session, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """5.1: the items received in the period, by category."""
    query = (
        select(FeedbackItem.category, func.count())
        .where(FeedbackItem.received_at >= start, FeedbackItem.received_at < end)
        .group_by(FeedbackItem.category)
    )
    counts = dict(session.execute(query).all())
    return {category: counts.get(category, 0) for category in CATEGORIES}
