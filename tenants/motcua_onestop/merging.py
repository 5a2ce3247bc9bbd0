"""The one-stop domain's part in a tenant merge (``motcua tenants merge``; ADR 0059): the unit tree's shape
rule checked for the source's units that move under the target's root, and the statistics' kept periods kept
again once the source's dossiers are in."""

from __future__ import annotations

from motcua_platform.db.base import utcnow
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from motcua_onestop.statistics import kept
from motcua_onestop.units.models import PARENT_KINDS


def check_unit_kinds(
    conn: Connection, *, source_schema: str, target_schema: str, source_root: int, target_root: int
) -> list[dict]:
    """The source root's children go under the target's root: each must be a kind that may sit there
    (``PARENT_KINDS``); one that may not is reported, blocking (an operator moves it first)."""
    target_kind = conn.scalar(text(f'SELECT kind FROM "{target_schema}".units WHERE id = :i'), {"i": target_root})
    found = []
    children = conn.execute(
        text(f'SELECT id, code, kind FROM "{source_schema}".units WHERE parent_id = :r ORDER BY id'),
        {"r": source_root},
    )
    for unit_id, code, kind in children:
        if target_kind not in PARENT_KINDS.get(kind, frozenset()):
            found.append(
                {
                    "kind": "unit_parent",
                    "source": f"unit {unit_id} {code} ({kind})",
                    "target": f"root {target_root} ({target_kind})",
                    "outcome": "this kind of unit cannot sit under the target's root: move it in the source first",
                    "blocking": True,
                }
            )
    return found


def keep_statistics(session: Session, *, source: str) -> None:
    """The kept periods the copied dossiers changed were forgotten by the dossiers' trigger as they were
    inserted; keep them again now, as the hourly job would (``kept.run_keeping``)."""
    now = utcnow()
    for period in kept.to_keep(session, now):
        kept.keep(session, period, now)
    kept.forget_superseded(session)
