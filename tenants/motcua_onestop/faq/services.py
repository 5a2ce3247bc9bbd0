"""The province's questions and answers: found by what a person types (accents optional; every word must
start a word of the question, the field or the procedure code, or be a word of the answer), listed per
field, procedure or unit, and edited by the admins of the unit that answers. One service for the JSON API,
the portal and the console.

An admin's reach is their units' subtrees (``units.subtree_ids``): they add, change and remove the entries of
those units only, as they manage those units only; an entry is never moved out of that reach by its editor."""

from __future__ import annotations

from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.errors import InvalidInput, NotFound
from motcua_platform.i18n import _
from motcua_platform.inputs import UNSAFE_TEXT, is_unsafe
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session, defer

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.catalogue.services import visible, word_prefixes
from motcua_onestop.catalogue.text import fold, words
from motcua_onestop.faq.models import ANSWER_MAX, QUESTION_MAX, FaqEntry
from motcua_onestop.units.models import Unit

# More words than this narrow nothing a person would notice (as the catalogue search).
MAX_WORDS = 8
EDITABLE = ("question", "answer", "question_en", "answer_en", "field", "procedure_code", "unit_id", "published")


@dataclass(frozen=True)
class FaqFilter:
    q: str | None = None
    field: str | None = None
    procedure_code: str | None = None
    unit_id: int | None = None
    # the portal sees published entries only; the console sees drafts too
    published_only: bool = True
    # the plugins the province has enabled: an entry about a procedure no longer published (retired, its
    # plugin disabled) is not shown, until making the entries again removes it; None: not checked (console)
    enabled: tuple[str, ...] | None = None


def fill_search(entry: FaqEntry) -> None:
    """What the search matches, in both languages: every prefix of the words of the question, the field and
    the procedure code (what people type, often half a word), and the whole words of the answer. An answer
    is long (a list of papers, of offices): its prefixes would be most of the index for little gain, as a
    word half-typed is nearly always in the question too."""
    question = " " + fold(" ".join((entry.question, entry.question_en or "")))
    about = fold(" ".join((entry.field or "", entry.procedure_code or "")))
    answer = words(" ".join((entry.answer, entry.answer_en or "")))
    entry.search_question = question
    entry.search_prefixes = sorted(set(word_prefixes(question + " " + about)) | set(answer))


def _query(filters: FaqFilter, units: set[int] | None) -> tuple[Select, list[str]]:
    query = select(FaqEntry)
    if units is not None:
        query = query.where(FaqEntry.unit_id.in_(units))
    if filters.published_only:
        query = query.where(FaqEntry.published.is_(True))
    if filters.field:
        query = query.where(FaqEntry.field == filters.field)
    if filters.procedure_code:
        query = query.where(FaqEntry.procedure_code == filters.procedure_code)
    if filters.unit_id is not None:
        query = query.where(FaqEntry.unit_id == filters.unit_id)
    if filters.enabled is not None:
        shown = select(Procedure.id).where(Procedure.code == FaqEntry.procedure_code, visible(filters.enabled))
        query = query.where(FaqEntry.procedure_code.is_(None) | shown.exists())
    terms = words(filters.q or "")[:MAX_WORDS]
    if terms:
        query = query.where(FaqEntry.search_prefixes.contains(terms))
    return query, terms


def find(
    session: Session, filters: FaqFilter, *, limit: int, offset: int = 0, units: set[int] | None = None
) -> tuple[list[FaqEntry], int]:
    """The entries matching ``filters`` (of ``units`` only, when given), best first (the words in the
    question before the words in the answer, the whole phrase before scattered words), and how many match
    in all."""
    query, terms = _query(filters, units)
    if terms:
        phrase = " " + " ".join(terms)
        rank = sum(
            (case((FaqEntry.search_question.like(f"% {term}%"), 10), else_=0) for term in terms),
            case((FaqEntry.search_question.like(f"%{phrase}%"), 100), else_=0),
        )
        order = (rank.desc(), func.length(FaqEntry.question), FaqEntry.id)
    else:
        # the province's own entries before those made from the catalogue, which come in the catalogue's order
        order = (FaqEntry.field.nulls_first(), FaqEntry.procedure_code.nulls_first(), FaqEntry.topic.is_not(None),
                 FaqEntry.id)  # fmt: skip
    # The matching rows are read once for both the rank and the total (a window count), carrying only ids;
    # the page's 20 rows are then read whole. Measured no faster than a count and a ranked page (both about
    # 39 ms p95 on 25,700 entries, docs/performance.md): the cost is reading the thousands a common word
    # matches, which either way must be ranked.
    ranked = query.with_only_columns(FaqEntry.id, func.count().over()).order_by(*order).limit(limit).offset(offset)
    found = session.execute(ranked).all()
    if not found:  # past the last page the window counts nothing: the total still tells how many there are
        total = session.scalar(query.with_only_columns(func.count()).order_by(None)) if offset else 0
        return [], total or 0
    ids = [row[0] for row in found]
    rows = session.scalars(select(FaqEntry).where(FaqEntry.id.in_(ids)).options(defer(FaqEntry.search_prefixes)))
    by_id = {entry.id: entry for entry in rows}
    return [by_id[entry_id] for entry_id in ids if entry_id in by_id], found[0][1]  # one deleted meanwhile


def fields_of(session: Session) -> list[tuple[str, int]]:
    """The fields the published entries are about, with how many each, by name."""
    query = (
        select(FaqEntry.field, func.count())
        .where(FaqEntry.published.is_(True), FaqEntry.field.is_not(None))
        .group_by(FaqEntry.field)
        .order_by(FaqEntry.field)
    )
    return [(field, count) for field, count in session.execute(query).all()]


def count_by_unit(session: Session, units: set[int] | None = None) -> dict[int, int]:
    """How many published entries each unit answers (all units, or ``units``)."""
    query = select(FaqEntry.unit_id, func.count()).where(FaqEntry.published.is_(True)).group_by(FaqEntry.unit_id)
    if units is not None:
        query = query.where(FaqEntry.unit_id.in_(units))
    return dict(session.execute(query).all())


def get_entry(session: Session, entry_id: int, reach: set[int] | None = None) -> FaqEntry:
    """One entry; with ``reach`` (the units an admin manages), one of those units' (404 otherwise, as for an
    entry that does not exist: the admin does not see past their units)."""
    entry = session.get(FaqEntry, entry_id)
    if entry is None or (reach is not None and entry.unit_id not in reach):
        raise NotFound(_("No such question."))
    return entry


def get_published(session: Session, entry_id: int) -> FaqEntry:
    entry = session.get(FaqEntry, entry_id)
    if entry is None or not entry.published:
        raise NotFound(_("No such question."))
    return entry


def _clean(values: dict, reach: set[int], session: Session, *, creating: bool) -> dict:
    """``values`` trimmed and checked; 422 naming each field that is wrong."""
    errors: dict[str, list] = {}
    cleaned = dict(values)
    for name, limit in (("question", QUESTION_MAX), ("answer", ANSWER_MAX), ("question_en", QUESTION_MAX),
                        ("answer_en", ANSWER_MAX), ("field", 200), ("procedure_code", 40)):  # fmt: skip
        if name not in cleaned:
            continue
        value = (cleaned[name] or "").strip() or None
        if value is not None and len(value) > limit:
            errors[name] = [_("At most %(n)s characters.", n=limit)]
        elif value is not None and is_unsafe(value):
            errors[name] = [UNSAFE_TEXT]
        cleaned[name] = value
    for name, message in (("question", _("Enter the question.")), ("answer", _("Enter the answer."))):
        if (creating or name in cleaned) and not cleaned.get(name):
            errors.setdefault(name, [message])
    if ("question_en" in cleaned or "answer_en" in cleaned) and (
        bool(cleaned.get("question_en")) != bool(cleaned.get("answer_en"))
    ):
        errors.setdefault("answer_en", [_("Give the English question and answer together, or neither.")])
    code = cleaned.get("procedure_code")
    if (
        code
        and "procedure_code" not in errors
        and session.scalar(select(Procedure.id).where(Procedure.code == code).limit(1)) is None
    ):
        errors["procedure_code"] = [_("No procedure of the catalogue has this code.")]
    if creating or "unit_id" in cleaned:
        unit_id = cleaned.get("unit_id")
        if unit_id not in reach or session.get(Unit, unit_id) is None:
            errors["unit_id"] = [_("Choose one of the units you manage.")]
    if errors:
        raise InvalidInput(_("The question is not valid."), errors=errors)
    return cleaned


def create(session: Session, actor: Actor, reach: set[int], values: dict) -> FaqEntry:
    """A new entry (``EDITABLE`` fields) for one of the units in ``reach``."""
    values = _clean({name: values.get(name) for name in EDITABLE if name in values}, reach, session, creating=True)
    entry = FaqEntry(**{"published": True, **values}, edited=True)
    fill_search(entry)
    session.add(entry)
    session.flush()
    record(session, actor, "faq.create", target=f"faq:{entry.id}", unit_id=entry.unit_id)
    return entry


def update(session: Session, actor: Actor, reach: set[int], entry_id: int, changes: dict) -> FaqEntry:
    """Change what ``changes`` names (``EDITABLE``) of an entry of a unit in ``reach``. An entry made from
    the catalogue becomes the province's own once edited: making entries again leaves it as it is."""
    entry = get_entry(session, entry_id, reach)
    changes = {name: value for name, value in changes.items() if name in EDITABLE}
    if "question_en" in changes or "answer_en" in changes:  # the pair is checked as a whole
        changes = {"question_en": entry.question_en, "answer_en": entry.answer_en, **changes}
    changes = _clean(changes, reach, session, creating=False)
    if changes.get("procedure_code", entry.procedure_code) != entry.procedure_code:
        entry.topic = None  # no longer the catalogue's answer about that procedure
    for name, value in changes.items():
        setattr(entry, name, value)
    fill_search(entry)
    entry.edited, entry.updated_at = True, utcnow()
    session.flush()
    record(session, actor, "faq.update", target=f"faq:{entry.id}", fields=sorted(changes))
    return entry


def delete(session: Session, actor: Actor, reach: set[int], entry_id: int) -> None:
    entry = get_entry(session, entry_id, reach)
    session.delete(entry)
    session.flush()
    record(session, actor, "faq.delete", target=f"faq:{entry_id}", unit_id=entry.unit_id)


def for_procedure(session: Session, code: str, *, limit: int) -> tuple[list[FaqEntry], int]:
    """The published questions about one procedure (its page checked it is published): the province's own
    first, then the catalogue's in their order."""
    return find(session, FaqFilter(procedure_code=code), limit=limit)
