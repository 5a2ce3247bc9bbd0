"""The dossier statistics of a period, per slice (docs/statistics.md gives every number and its rule).

One statement reads every dossier the period concerns, each found by an index: those received in it, those
open when it began (received before, finished or closed after: a stabbing query on the span from intake to
the end), and those refused at intake in it. Each dossier carries the facts the numbers need, kept by the
transaction that changes it (ADR 0038): its due date for reports, which is the appointment moved by
supplement pauses but not by an extension (an extension is the apology for being late: QĐ 766 counts the
dossier against the date it apologised for), its supplement rounds after intake, and when and how it ended
without a result. Classification by local dates, as ``calendar.engine.classify`` does: early before the due
day, on time on it, late after; a dossier asked for a supplement twice or more after intake is late
whatever its dates (QĐ 766)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import REPORT_COLUMNS, REPORT_SPAN
from motcua_onestop.statistics.periods import Period

GROUPS = {  # group_by -> the SQL expression of a row's key, and whether it needs the procedure's row
    "unit": ("f.receiving_unit_id", False),
    "field": ("p.field", True),
    "procedure": ("p.code", True),
    "channel": ("f.channel", False),
    "level": ("p.online_mode", True),
}
COUNTS = (
    "carried_over",
    "received",
    "received_counter",
    "received_online",
    "received_postal",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "pending",
    "pending_within_due",
    "pending_past_due",
    "withdrawn",
    "stopped",
    "refused",
    "supplement_rounds",
)

# The dossiers the period concerns, three disjoint parts, each read through its own index with the columns the
# numbers need (a refused dossier was never received); {conditions} are the slice's filters, {key} the group.
COLUMNS = ", ".join(f"d.{column}" for column in ("received_at", *REPORT_COLUMNS))
STATEMENT = """
WITH facts AS (
    SELECT {columns} FROM dossiers d
    WHERE d.received_at >= :start AND d.received_at < :end{conditions}
    UNION ALL
    SELECT {columns} FROM dossiers d
    WHERE d.received_at IS NOT NULL AND d.received_at < :start AND {span} @> CAST(:start AS timestamptz){conditions}
    UNION ALL
    SELECT {columns} FROM dossiers d
    WHERE d.closed_status = 3 AND d.closed_at >= :start AND d.closed_at < :end{conditions}
)
SELECT {key} AS key,
    count(*) FILTER (WHERE received_at < :start) AS carried_over,
    count(*) FILTER (WHERE received_at >= :start) AS received,
    count(*) FILTER (WHERE received_at >= :start AND channel = 'counter') AS received_counter,
    count(*) FILTER (WHERE received_at >= :start AND channel = 'online') AS received_online,
    count(*) FILTER (WHERE received_at >= :start AND channel = 'postal') AS received_postal,
    count(*) FILTER (WHERE finished_at < :end) AS resolved,
    count(*) FILTER (WHERE finished_at < :end
                     AND supplement_rounds < 2 AND {finished_day} < {due_day}) AS resolved_early,
    count(*) FILTER (WHERE finished_at < :end
                     AND supplement_rounds < 2 AND {finished_day} = {due_day}) AS resolved_on_time,
    count(*) FILTER (WHERE finished_at < :end
                     AND (supplement_rounds >= 2 OR {finished_day} > {due_day})) AS resolved_late,
    count(*) FILTER (WHERE received_at IS NOT NULL AND coalesce(finished_at, closed_at, 'infinity') >= :end)
        AS pending,
    count(*) FILTER (WHERE received_at IS NOT NULL AND coalesce(finished_at, closed_at, 'infinity') >= :end
                     AND supplement_rounds < 2 AND coalesce(report_due_at, 'infinity') >= :as_of) AS pending_within_due,
    count(*) FILTER (WHERE received_at IS NOT NULL AND coalesce(finished_at, closed_at, 'infinity') >= :end
                     AND (supplement_rounds >= 2 OR report_due_at < :as_of)) AS pending_past_due,
    count(*) FILTER (WHERE closed_status = 7 AND closed_at < :end) AS withdrawn,
    count(*) FILTER (WHERE closed_status = 8 AND closed_at < :end) AS stopped,
    count(*) FILTER (WHERE closed_status = 3) AS refused,
    coalesce(sum(supplement_rounds) FILTER (WHERE finished_at < :end), 0) AS supplement_rounds
FROM facts f{join}
GROUP BY 1
ORDER BY 1
"""
LOCAL_DAY = "(f.{column} AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"


def statement(where: Slice, group_by: str | None) -> tuple[str, dict]:
    """The SQL text of ``dossier_statistics`` and its parameters besides the period's."""
    key, needs_procedure = GROUPS[group_by] if group_by else ("NULL", False)
    conditions, params = _conditions(where)
    sql = STATEMENT.format(
        columns=COLUMNS,
        conditions=conditions,
        span=REPORT_SPAN,
        key=key,
        join="\nJOIN procedures p ON p.id = f.procedure_id" if needs_procedure else "",
        finished_day=LOCAL_DAY.format(column="finished_at"),
        due_day=LOCAL_DAY.format(column="report_due_at"),
    )
    return sql, params


@dataclass(frozen=True)
class Slice:
    """Which dossiers a statistic covers: the receiving units (None: the whole province), a field, a
    procedure code, a channel, an online level (``full``, ``partial``, ``none``)."""

    units: frozenset[int] | None = None
    field: str | None = None
    procedure: str | None = None
    channel: str | None = None
    level: str | None = None


def dossier_statistics(
    session: Session, period: Period, where: Slice, group_by: str | None = None, *, now: dt.datetime | None = None
) -> list[dict]:
    """One row per group (``GROUPS``; all in one row, key None, without), with every count of ``COUNTS``
    and the on-time rate of the dossiers resolved in the period (None when none were)."""
    sql, params = statement(where, group_by)
    now = now or dt.datetime.now(dt.UTC)
    # a period not over yet is judged as of now: a dossier due later this month is not past due yet
    bounds = {"start": period.start, "end": period.end, "as_of": min(period.end, now)}
    rows = session.execute(text(sql), bounds | params).mappings().all()
    result = [{"key": row["key"], **{name: int(row[name]) for name in COUNTS}} for row in rows]
    if not result and group_by is None:
        result = [{"key": None, **dict.fromkeys(COUNTS, 0)}]
    return [_rated(row) for row in result]


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, two decimals; None (N/A) when ``whole`` is 0 (QĐ 766)."""
    return None if whole == 0 else round(100 * part / whole, 2)


def _conditions(where: Slice) -> tuple[str, dict]:
    """The slice as conditions on a dossier (``d``), repeated in each part of the statement so that each
    reads only its own dossiers; a procedure's attributes through the versions that have them."""
    clauses, params = [], {}
    if where.units is not None:
        clauses.append("d.receiving_unit_id = ANY(:units)")
        params["units"] = sorted(where.units)
    if where.channel is not None:
        clauses.append("d.channel = :channel")
        params["channel"] = where.channel
    for name, column in (("field", "field"), ("procedure", "code"), ("level", "online_mode")):
        value = getattr(where, name)
        if value is not None:
            # column names from the tuple above, the value a parameter
            clauses.append(f"d.procedure_id IN (SELECT id FROM procedures WHERE {column} = :{name})")  # noqa: S608
            params[name] = value
    return "".join(f" AND {clause}" for clause in clauses), params


def totals(rows: Iterable[dict]) -> dict:
    """The rows of a grouped statistic added up (every count; the rate recomputed)."""
    summed = {name: 0 for name in COUNTS}
    for row in rows:
        for name in COUNTS:
            summed[name] += row[name]
    return _rated({"key": None, **summed})


def _rated(row: dict) -> dict:
    """``row`` with its on-time rate: resolved early or on time, of resolved."""
    row["on_time_rate"] = rate(row["resolved_early"] + row["resolved_on_time"], row["resolved"])
    return row
