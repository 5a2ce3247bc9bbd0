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
from decimal import ROUND_HALF_UP, Decimal

from motcua_platform.errors import Forbidden
from motcua_platform.i18n import _
from sqlalchemy import text
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import REPORT_COLUMNS, REPORT_SPAN
from motcua_onestop.statistics.periods import Period
from motcua_onestop.units.services import subtree_ids

GROUPS = {  # group_by -> the SQL expression of a row's key
    "unit": "f.receiving_unit_id",
    "field": "p.field",
    "procedure": "p.code",
    "channel": "f.channel",
    "level": "p.online_mode",
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
# What the QĐ 766 indicators need besides (indicators.py says how each is used); every one adds up over groups.
INDICATOR_COUNTS = (
    "stopped_on_time",
    "received_online_complete",
    "received_digitised",
    "resolved_result_required",
    "resolved_result_file",
    "processing_time_measured",
    "processing_time_sum",
)
ALL_COUNTS = COUNTS + INDICATOR_COUNTS

# The dossiers the period concerns, three disjoint parts, each read through its own index with the columns the
# numbers need (a refused dossier was never received); {conditions} are the slice's filters, {key} the group.
COLUMNS = ", ".join(f"d.{column}" for column in ("received_at", *REPORT_COLUMNS))
# Still open when the period ended; within its due date then, or waiting for the applicant's one supplement,
# asked before it was due: QĐ 766 takes a single pending supplement request as the end of processing.
PENDING = "received_at IS NOT NULL AND coalesce(finished_at, closed_at, 'infinity') >= :end"
WITHIN_DUE = (
    "supplement_rounds < 2 AND (coalesce(report_due_at, 'infinity') >= :as_of"
    " OR (paused_at IS NOT NULL AND paused_at < :end AND paused_at <= coalesce(report_due_at, paused_at)))"
)
# A procedure that requires a paper result counts an online or digitised dossier only with its result as a
# file once it is finished (by the period's end; QĐ 766 3.3 and 4.2).
RESULT_REQUIRED = "coalesce(p.result_document, '') <> ''"  # as 1.3 reads it: an empty result is none
RESULT_KEPT = f"NOT ({RESULT_REQUIRED} AND coalesce(finished_at < :end, false) AND NOT has_result_file)"
FINISHED_DAY = "(f.finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
CLOSED_DAY = "(f.closed_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
DUE_DAY = "(f.report_due_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date"
# Which of the period's dossiers each count counts, written once: the statement counts them, and a person
# drilling into a number lists the same dossiers (``dossiers_behind``).
CONDITIONS = {
    "carried_over": "received_at < :start",
    "received": "received_at >= :start",
    "received_counter": "received_at >= :start AND channel = 'counter'",
    "received_online": "received_at >= :start AND channel = 'online'",
    "received_postal": "received_at >= :start AND channel = 'postal'",
    "resolved": "finished_at < :end",
    "resolved_early": f"finished_at < :end AND supplement_rounds < 2 AND {FINISHED_DAY} < {DUE_DAY}",
    "resolved_on_time": f"finished_at < :end AND supplement_rounds < 2 AND {FINISHED_DAY} = {DUE_DAY}",
    "resolved_late": f"finished_at < :end AND (supplement_rounds >= 2 OR {FINISHED_DAY} > {DUE_DAY})",
    "pending": PENDING,
    "pending_within_due": f"{PENDING} AND {WITHIN_DUE}",
    "pending_past_due": f"{PENDING} AND NOT ({WITHIN_DUE})",
    "withdrawn": "closed_status = 7 AND closed_at < :end",
    "stopped": "closed_status = 8 AND closed_at < :end",
    "refused": "closed_status = 3",
    "stopped_on_time": (
        f"closed_status = 8 AND closed_at < :end AND supplement_rounds < 2 AND {CLOSED_DAY} <= {DUE_DAY}"
    ),
    "received_online_complete": f"received_at >= :start AND channel = 'online' AND {RESULT_KEPT}",
    "received_digitised": f"received_at >= :start AND has_digitised_components AND {RESULT_KEPT}",
    "resolved_result_required": f"finished_at < :end AND {RESULT_REQUIRED}",
    "resolved_result_file": f"finished_at < :end AND {RESULT_REQUIRED} AND has_result_file",
}
SUMS = {  # what is not a count of dossiers
    "supplement_rounds": "coalesce(sum(supplement_rounds) FILTER (WHERE finished_at < :end), 0)",
    "processing_time_measured": "count(processing_time) FILTER (WHERE finished_at < :end)",
    "processing_time_sum": "coalesce(sum(processing_time) FILTER (WHERE finished_at < :end), 0)",
}
assert set(CONDITIONS) | set(SUMS) == set(ALL_COUNTS)
FACTS = """
WITH facts AS (
    SELECT {columns} FROM dossiers d
    WHERE d.received_at >= :start AND d.received_at < :end{conditions}
    UNION ALL
    SELECT {columns} FROM dossiers d
    WHERE d.received_at IS NOT NULL AND d.received_at < :start AND {span} @> CAST(:start AS timestamptz){conditions}
    UNION ALL
    SELECT {columns} FROM dossiers d
    WHERE d.closed_status = 3 AND d.closed_at >= :start AND d.closed_at < :end{conditions}
)"""
STATEMENT = (
    FACTS
    + "\nSELECT {key} AS key,\n    "
    + ",\n    ".join(
        [f"count(*) FILTER (WHERE {condition}) AS {name}" for name, condition in CONDITIONS.items()]
        + [f"{expression} AS {name}" for name, expression in SUMS.items()]
    )
    + """,
    {time_unit} AS time_unit
FROM facts f
JOIN procedures p ON p.id = f.procedure_id
GROUP BY 1
ORDER BY 1
"""
)
TIME_UNIT = (
    "CASE WHEN min(p.time_limit_unit) FILTER (WHERE processing_time IS NOT NULL AND finished_at < :end)"
    " = max(p.time_limit_unit) FILTER (WHERE processing_time IS NOT NULL AND finished_at < :end)"
    " THEN min(p.time_limit_unit) FILTER (WHERE processing_time IS NOT NULL AND finished_at < :end) END"
)
BEHIND = (
    FACTS
    + """
SELECT f.id FROM facts f JOIN procedures p ON p.id = f.procedure_id
WHERE {condition}{key_condition}
ORDER BY f.received_at DESC NULLS LAST, f.id DESC
LIMIT :limit OFFSET :offset
"""
)


def statement(where: Slice, group_by: str | None) -> tuple[str, dict]:
    """The SQL text of ``dossier_statistics`` and its parameters besides the period's."""
    conditions, params = _conditions(where)
    sql = STATEMENT.format(
        columns=COLUMNS,
        conditions=conditions,
        span=REPORT_SPAN,
        key=GROUPS[group_by] if group_by else "NULL",
        # a procedure's time unit, for its average processing time (its versions may differ: then none)
        time_unit=TIME_UNIT if group_by == "procedure" else "NULL",
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


def caller_slice(session: Session, scope, unit_id: int | None = None, **filters) -> Slice:
    """The slice a caller may see: their units (``scope``, as ``dossiers.http.caller_inbox_scope`` gives it;
    all of them for the whole province), or ``unit_id`` among them and the units below it (403 outside), with
    ``filters`` (``field``, ``procedure``, ``channel``, ``level``)."""
    units = None if scope.whole_tenant else scope.units
    if unit_id is not None:
        if unit_id not in scope.units:
            raise Forbidden(_("That unit is not one of yours or below them."))
        units = frozenset(subtree_ids(session, {unit_id}))
    return Slice(units=units, **filters)


def dossier_counts(
    session: Session, period: Period, where: Slice, group_by: str | None = None, *, now: dt.datetime | None = None
) -> list[dict]:
    """One row per group (``GROUPS``; all in one row, key None, without) with every count of ``COUNTS`` and
    ``INDICATOR_COUNTS`` and, grouped by procedure, its time unit."""
    sql, params = statement(where, group_by)
    now = now or dt.datetime.now(dt.UTC)
    # a period not over yet is judged as of now: a dossier due later this month is not past due yet
    bounds = {"start": period.start, "end": period.end, "as_of": min(period.end, now)}
    rows = session.execute(text(sql), bounds | params).mappings().all()
    result = [dict(row) for row in rows]  # key, ALL_COUNTS, time_unit
    if not result and group_by is None:
        result = [{"key": None, **dict.fromkeys(ALL_COUNTS, 0), "time_unit": None}]
    return result


def dossier_statistics(
    session: Session, period: Period, where: Slice, group_by: str | None = None, *, now: dt.datetime | None = None
) -> tuple[list[dict], dict]:
    """The statistics of ``period``: one row per group (none without ``group_by``) and the total, each with
    the counts of ``COUNTS``, the on-time rate of the dossiers resolved in the period (None when none were)
    and, for one procedure, their average processing time in its time unit."""
    rows = dossier_counts(session, period, where, group_by, now=now)
    total = totals(rows)
    return ([published(row) for row in rows] if group_by else []), published(total)


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, two decimals; None (N/A) when ``whole`` is 0 (QĐ 766)."""
    if whole == 0:
        return None
    return float((Decimal(100 * part) / whole).quantize(Decimal("0.01"), ROUND_HALF_UP))


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
    """The rows of a grouped count added up; the time unit kept when every row with a measured dossier has the
    same one (procedures of one unit average together; of several, no average)."""
    rows = list(rows)
    summed = {name: sum((row[name] for row in rows), 0) for name in ALL_COUNTS}
    units = {row["time_unit"] for row in rows if row["processing_time_measured"]}
    return {"key": None, **summed, "time_unit": units.pop() if len(units) == 1 else None}


def published(row: dict) -> dict:
    """What the statistics show of a row of counts: ``COUNTS``, the on-time rate (resolved early or on time,
    of resolved) and the average processing time (two decimals, in ``time_unit``; None when none was
    measured or the unit is mixed)."""
    measured = row["processing_time_measured"]
    average = None
    if measured and row["time_unit"] is not None:
        average = float((Decimal(row["processing_time_sum"]) / measured).quantize(Decimal("0.01"), ROUND_HALF_UP))
    return {
        "key": row["key"],
        **{name: int(row[name]) for name in COUNTS},
        "on_time_rate": rate(row["resolved_early"] + row["resolved_on_time"], row["resolved"]),
        "average_processing_time": average,
        "time_unit": row["time_unit"] if average is not None else None,
    }


def dossiers_behind(
    session: Session,
    period: Period,
    where: Slice,
    number: str,
    *,
    group_by: str | None = None,
    key: object = None,
    limit: int = 20,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> list[int]:
    """The ids of the dossiers a count of ``dossier_counts`` counted (``CONDITIONS[number]``; in the group
    ``key`` of ``group_by``), newest intake first, a page at a time: what a person drilling into a number sees."""
    if number not in CONDITIONS:
        raise ValueError(f"not a count of dossiers: {number}")
    conditions, params = _conditions(where)
    key_condition = f" AND {GROUPS[group_by]} = :key" if group_by is not None else ""
    sql = BEHIND.format(
        columns=f"d.id, {COLUMNS}",
        conditions=conditions,
        span=REPORT_SPAN,
        condition=CONDITIONS[number],
        key_condition=key_condition,
    )
    now = now or dt.datetime.now(dt.UTC)
    bounds = {"start": period.start, "end": period.end, "as_of": min(period.end, now)}
    values = bounds | params | {"key": key, "limit": limit, "offset": offset}
    return list(session.scalars(text(sql), values))
