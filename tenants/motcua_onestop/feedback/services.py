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
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from motcua_onestop.calendar.services import due_at
from motcua_onestop.dossiers.models import Dossier
from motcua_onestop.feedback.models import CATEGORIES, KINDS, TEXT_MAX, FeedbackItem
from motcua_onestop.units.models import Unit

# The legal times (QĐ 766 item 5.2), in working days.
REJECT_DAYS, INFO_DAYS, ANSWER_DAYS, PUBLISH_DAYS = 2, 5, 15, 2
OPEN = ("received", "info_requested")
DISLIKED = 2  # a rating at or below it is "not satisfied" (5.3)
# what a published text must not carry: phone numbers, e-mail addresses, 9- or 12-digit identity numbers
PERSONAL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+|(?<!\d)(\+?84|0)\d{9,10}(?!\d)|(?<!\d)(\d{12}|\d{9})(?!\d)")


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


@dataclass(frozen=True)
class Submission:
    kind: str
    category: str
    title: str
    content: str
    name: str
    contact: str
    dossier_code: str | None = None
    repeat_of: str | None = None  # the code of the person's earlier item about the same matter


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
    repeat_code = _text(errors, "repeat_of", data.repeat_of, 20, required=False)
    earlier = None
    if repeat_code and "repeat_of" not in errors:
        earlier = session.scalar(select(FeedbackItem).where(FeedbackItem.code == repeat_code.upper()))
        if earlier is None:
            errors["repeat_of"] = [_("No feedback has this code.")]
    if errors:
        raise InvalidInput(_("The feedback is not complete."), errors=errors)
    now = now or utcnow()
    token = secrets.token_urlsafe(24)
    item = FeedbackItem(
        code="PA" + secrets.token_hex(4).upper(),
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


def by_token(session: Session, token: str) -> FeedbackItem:
    """The item a private link is for; 404 for an unknown or malformed token (the same answer for each)."""
    if not (16 <= len(token) <= 64 and token.isascii()):
        raise NotFound(_("This feedback link is not valid."))
    item = session.scalar(select(FeedbackItem).where(FeedbackItem.access_sha256 == _digest(token)))
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


def handled(session: Session, reach: Reach, item_id: int) -> FeedbackItem:
    """An item the staff member handles (404 otherwise, as for one that does not exist)."""
    item = session.get(FeedbackItem, item_id, with_for_update=True)
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
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    today = (now or utcnow()).date()
    if unit is None or (unit.valid_to is not None and unit.valid_to < today):
        raise InvalidInput(_("The feedback is not valid."), errors={"unit_id": [_("Choose an open unit.")]})
    item.unit_id, item.assigned_at = unit_id, now or utcnow()
    record(session, actor, "feedback.assign", target=f"feedback:{item.code}", unit_id=unit_id)


def reject(session: Session, actor: Actor, item: FeedbackItem, reason: str, now=None) -> None:
    """Refuse to handle it (outside the province's remit, a duplicate, abusive…), saying why."""
    _require(item, *OPEN)
    errors: dict = {}
    reason = _text(errors, "reason", reason, TEXT_MAX)
    if errors:
        raise InvalidInput(_("The feedback is not valid."), errors=errors)
    item.status, item.rejected_at, item.reject_reason = "rejected", now or utcnow(), reason
    record(session, actor, "feedback.reject", target=f"feedback:{item.code}")


def request_info(session: Session, actor: Actor, item: FeedbackItem, request: str, now=None) -> None:
    _require(item, "received")
    errors: dict = {}
    request = _text(errors, "request", request, TEXT_MAX)
    if errors:
        raise InvalidInput(_("The feedback is not valid."), errors=errors)
    item.status, item.info_requested_at, item.info_request = "info_requested", now or utcnow(), request
    record(session, actor, "feedback.request_info", target=f"feedback:{item.code}")


def give_info(session: Session, item: FeedbackItem, text: str, now=None) -> None:
    """The submitter's reply to a request for more; the 15 working days to answer run from it."""
    _require(item, "info_requested")
    errors: dict = {}
    text = _text(errors, "info", text, TEXT_MAX)
    if errors:
        raise InvalidInput(_("The reply is not valid."), errors=errors)
    now = now or utcnow()
    item.status, item.info_given_at, item.info_given = "received", now, text
    item.answer_due_at = _working_days(session, now, ANSWER_DAYS)
    record(session, Actor("citizen", item.citizen_account_id, "feedback link"), "feedback.give_info",
           target=f"feedback:{item.code}")  # fmt: skip


def answer(session: Session, actor: Actor, item: FeedbackItem, text: str, now=None) -> None:
    _require(item, "received")
    errors: dict = {}
    text = _text(errors, "answer", text, TEXT_MAX)
    if errors:
        raise InvalidInput(_("The answer is not valid."), errors=errors)
    now = now or utcnow()
    item.status, item.answered_at, item.answer = "answered", now, text
    item.publish_due_at = _working_days(session, now, PUBLISH_DAYS)
    record(session, actor, "feedback.answer", target=f"feedback:{item.code}")


def redacted(text: str) -> str:
    """``text`` without phone numbers, e-mail addresses or identity numbers: the officer's starting point
    for what the portal will show (they read and edit it before publishing)."""
    return PERSONAL.sub("…", text)


def publish(session: Session, actor: Actor, item: FeedbackItem, title: str, content: str, now=None) -> None:
    """Show the answer on the portal under ``title`` and ``content`` as the officer wrote them; refused when
    they still carry a phone number, an e-mail address or an identity number, or the submitter's name."""
    _require(item, "answered")
    errors: dict = {}
    title = _text(errors, "public_title", title, 200)
    content = _text(errors, "public_content", content, TEXT_MAX)
    name = item.submitter_name.casefold()
    for field, value in (("public_title", title), ("public_content", content)):
        if value and field not in errors and (PERSONAL.search(value) or name in value.casefold()):
            errors[field] = [_("Remove the person's name, phone, e-mail and identity numbers before publishing.")]
    if errors:
        raise InvalidInput(_("The published text is not valid."), errors=errors)
    item.status, item.published_at = "published", now or utcnow()
    item.public_title, item.public_content = title, content
    record(session, actor, "feedback.publish", target=f"feedback:{item.code}")


def rate(session: Session, item: FeedbackItem, level, now=None) -> None:
    """The submitter's rating of the answer, once (the four levels of the dossier ratings)."""
    if item.status not in ("answered", "published"):
        raise Conflict(_("The answer can be rated once it is given."))
    if not isinstance(level, int) or isinstance(level, bool) or not 1 <= level <= 4:
        raise InvalidInput(_("The rating is not valid."), errors={"level": [_("Choose one of the four levels.")]})
    if item.rating is not None:
        raise Conflict(_("This answer has already been rated. Thank you."))
    item.rating, item.rated_at = level, now or utcnow()
    record(session, Actor("citizen", item.citizen_account_id, "feedback link"), "feedback.rate",
           target=f"feedback:{item.code}", level=level)  # fmt: skip


# -- QĐ 766 group 5 --------------------------------------------------------------------------------
def late_steps(item: FeedbackItem, at: dt.datetime) -> list[str]:
    """The steps done after their time, or still not done at ``at`` past it."""
    late = []
    if item.rejected_at is not None and item.rejected_at > item.reject_due_at:
        late.append("reject")
    if item.info_requested_at is not None and item.info_requested_at > item.info_due_at:
        late.append("info")
    answered = item.answered_at or (None if item.status == "rejected" else at)
    if answered is not None and item.status != "info_requested" and answered > item.answer_due_at:
        late.append("answer")
    if item.publish_due_at is not None and (item.published_at or at) > item.publish_due_at:
        late.append("publish")
    return late


def indicator_parts(session: Session, start: dt.datetime, end: dt.datetime) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of 5.2 and 5.3 for the items of the period [start, end):

    - 5.2 handled on time: the items finished in the period (rejected or published) and those still open at
      its end past a legal time; on time, the finished ones with every step in its time.
    - 5.3 satisfaction: the items answered in the period; satisfied, those not rated "dissatisfied" or
      worse, not followed by a repeat submission, and answered in time."""
    rejected_in = (FeedbackItem.rejected_at >= start) & (FeedbackItem.rejected_at < end)
    published_in = (FeedbackItem.published_at >= start) & (FeedbackItem.published_at < end)
    finished = rejected_in | published_in
    open_items = FeedbackItem.status.in_((*OPEN, "answered")) & (FeedbackItem.received_at < end)
    rows = session.scalars(select(FeedbackItem).where(finished | open_items)).all()
    done = [item for item in rows if item.status in ("rejected", "published")]
    still_late = [item for item in rows if item.status not in ("rejected", "published") and late_steps(item, end)]
    on_time = sum(1 for item in done if not late_steps(item, end))
    in_period = (FeedbackItem.answered_at >= start) & (FeedbackItem.answered_at < end)
    answered = session.scalars(select(FeedbackItem).where(in_period)).all()
    repeated = set(
        session.scalars(
            select(FeedbackItem.repeat_of_id).where(FeedbackItem.repeat_of_id.in_([item.id for item in answered]))
        )
    )
    satisfied = sum(
        1
        for item in answered
        if not (item.rating is not None and item.rating <= DISLIKED)
        and item.id not in repeated
        and item.answered_at <= item.answer_due_at
    )
    return {"5.2": (on_time, len(done) + len(still_late)), "5.3": (satisfied, len(answered))}


def by_category(session: Session, start: dt.datetime, end: dt.datetime) -> dict[str, int]:
    """5.1: the items received in the period, by category."""
    query = (
        select(FeedbackItem.category, func.count())
        .where(FeedbackItem.received_at >= start, FeedbackItem.received_at < end)
        .group_by(FeedbackItem.category)
    )
    counts = dict(session.execute(query).all())
    return {category: counts.get(category, 0) for category in CATEGORIES}
