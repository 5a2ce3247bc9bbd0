"""Questions and answers made from the catalogue (``pairs.procedure_pairs``) and the portal's own
(``portal_pairs``), kept in step with the catalogue.

``make`` adds what is missing (a new procedure, a new commune), rewrites what the catalogue now says
differently (a new fee, a new time limit) and removes what it no longer says (a retired procedure, a disabled
plugin, a paper no longer asked for), but only among the entries nobody edited: an entry a province's admin
changed (``edited``) is theirs, and stays as they wrote it. An admin who does not want one unpublishes it,
which is an edit; a deleted one comes back the next time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from motcua_platform.audit.services import Actor, record
from motcua_platform.db.base import utcnow
from motcua_platform.plugins.engine import active
from motcua_platform.plugins.forms import form_json_schema
from sqlalchemy import BigInteger, any_, bindparam, delete, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.orm import Session

from motcua_onestop.catalogue.models import Procedure
from motcua_onestop.catalogue.receiving import receivers, unit_list
from motcua_onestop.catalogue.services import definition_for, visible
from motcua_onestop.faq.models import ANSWER_MAX, QUESTION_MAX, FaqEntry
from motcua_onestop.faq.pairs import Pair, procedure_pairs
from motcua_onestop.faq.portal_pairs import PORTAL_PAIRS
from motcua_onestop.faq.services import fill_search
from motcua_onestop.units.models import Unit, UnitKind

TEXTS = (("question", QUESTION_MAX), ("answer", ANSWER_MAX), ("question_en", QUESTION_MAX), ("answer_en", ANSWER_MAX))
WRITTEN = ("unit_id", "field", "question", "answer", "question_en", "answer_en", "search_question", "search_prefixes")


@dataclass(frozen=True)
class Made:
    added: int
    rewritten: int
    removed: int


def _fit(text: str, limit: int) -> str:
    """A catalogue with very long names or very many papers still fits the table: the end is cut, marked."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _communes(units: dict[int, Unit], receiving: list[Unit]) -> list[tuple[Unit, list[Unit]]]:
    """Each receiving commune with its units that receive (itself, its centre), in the receiving list's
    order; ``units`` is the whole tree by id."""
    receiving_ids = {unit.id for unit in receiving}

    def commune_of(unit: Unit) -> Unit | None:
        seen = 0
        while unit is not None and seen < 64:
            if unit.kind == UnitKind.COMMUNE:
                return unit
            unit, seen = units.get(unit.parent_id) if unit.parent_id is not None else None, seen + 1
        return None

    inside: dict[int, list[Unit]] = {}
    for unit in receiving:
        commune = commune_of(unit)
        if commune is not None and commune.id in receiving_ids:
            inside.setdefault(commune.id, []).append(unit)
    return [(units[commune_id], members) for commune_id, members in inside.items()]


def _rows(session: Session, enabled: Iterable[str], on: dt.date) -> dict[tuple[str | None, str], dict]:
    """Every entry the catalogue and the portal give now, by (procedure code, topic)."""
    tree = unit_list(session)
    units = {unit.id: unit for unit in tree}
    root = next(unit.id for unit in tree if unit.parent_id is None)
    made: list[tuple[str | None, str | None, Pair]] = [(None, None, pair) for pair in PORTAL_PAIRS]
    procedures = session.scalars(select(Procedure).where(visible(enabled)).order_by(Procedure.field, Procedure.code))
    for procedure in procedures:
        receiving = receivers(tree, procedure, on)
        communes = _communes(units, receiving) if procedure.level == "commune" else []
        definition = definition_for(active(), procedure)
        form = form_json_schema(definition.form) if definition is not None else None
        made += [
            (procedure.code, procedure.field, pair) for pair in procedure_pairs(procedure, receiving, communes, form)
        ]
    rows: dict[tuple[str | None, str], dict] = {}
    for code, field, pair in made:
        texts = {name: _fit(getattr(pair, name), limit) for name, limit in TEXTS}
        entry = FaqEntry(field=field, procedure_code=code, **texts)
        fill_search(entry)
        # the first of two papers of the same name in one procedure is the one asked about
        rows.setdefault((code, pair.topic), {
            "procedure_code": code, "topic": pair.topic, "unit_id": pair.unit_id or root, "field": field,
            "published": True, "edited": False, "search_question": entry.search_question,
            "search_prefixes": entry.search_prefixes, **texts,
        })  # fmt: skip
    return rows


def make(session: Session, actor: Actor, enabled: Iterable[str], on: dt.date) -> Made:
    """Bring the entries made from the catalogue of ``enabled`` plugins and the province's own, and the
    portal's, in step with what they say now (module doc); how many were added, rewritten and removed."""
    rows = _rows(session, enabled, on)
    now = utcnow()
    # executemany: SQLAlchemy sends the rows in batched multi-row statements ("insertmanyvalues"), compiled
    # once, within the protocol's parameter limit. A row comes back when inserted (xmax 0) or rewritten; one
    # nobody edited and the catalogue says the same of is left alone, so it is not rewritten at every run.
    statement = insert(FaqEntry)
    changed = tuple_(*(getattr(FaqEntry, name) for name in WRITTEN)).is_distinct_from(
        tuple_(*(getattr(statement.excluded, name) for name in WRITTEN))
    )
    statement = statement.on_conflict_do_update(
        index_elements=["procedure_code", "topic"],
        index_where=FaqEntry.topic.is_not(None),
        set_={**{name: getattr(statement.excluded, name) for name in WRITTEN}, "updated_at": now},
        where=FaqEntry.edited.is_(False) & changed,
    ).returning(text("xmax = 0"))
    written = [row[0] for row in session.execute(statement, list(rows.values())).all()] if rows else []
    added = sum(1 for inserted in written if inserted)
    generated = select(FaqEntry.id, FaqEntry.procedure_code, FaqEntry.topic).where(
        FaqEntry.topic.is_not(None), FaqEntry.edited.is_(False)
    )
    stale = [entry_id for entry_id, code, topic in session.execute(generated) if (code, topic) not in rows]
    ids = bindparam("stale", stale, type_=ARRAY(BigInteger))  # one parameter, however many
    removed = session.execute(delete(FaqEntry).where(FaqEntry.id == any_(ids))).rowcount if stale else 0
    # merge what the batch left pending into the index now, not in the next searches
    session.execute(select(func.gin_clean_pending_list(text("'ix_faq_entries_search_prefixes'::regclass"))))
    result = Made(added, len(written) - added, removed)
    record(session, actor, "faq.generate", target="faq", added=result.added, rewritten=result.rewritten,
           removed=result.removed)  # fmt: skip
    return result
