"""The dossier statistics of a period, per slice (docs/statistics.md gives every number and its rule).

One statement reads every dossier the period concerns: received before its end and not finished, withdrawn
or stopped before its start (those carried over and those received in it), and those refused at intake in
it. Each dossier's facts come from its own row and its history: when it was withdrawn or stopped, how many
supplements were asked of it after intake, and its due date for the reports, which is the appointment
moved by supplement pauses but not by an extension (an extension is the apology for being late: QĐ 766
counts the dossier against the date it apologised for). Classification by local dates, as
``calendar.engine.classify`` does: early before the due date, on time on it, late after; a dossier asked for
a supplement twice or more after intake is late whatever its dates (QĐ 766)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from motcua_onestop.statistics.periods import Period

GROUPS = {  # group_by -> the SQL expression of a row's key
    "unit": "d.receiving_unit_id",
    "field": "p.field",
    "procedure": "p.code",
    "channel": "d.channel",
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
    "supplement_requests",
)

# The facts of each dossier the period concerns; {conditions} are the slice's filters, {key} the group.
STATEMENT = """
WITH facts AS (
    SELECT {key} AS key, d.channel, d.received_at, d.finished_at, h.closed_at, h.closed_status, h.refused_at,
           h.supplements, h.supplements_in_period,
           (coalesce(x.previous_due_at, d.extended_due_at, d.due_at) AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
               AS due_day,
           coalesce(x.previous_due_at, d.extended_due_at, d.due_at) AS due_at
    FROM dossiers d
    JOIN procedures p ON p.id = d.procedure_id
    CROSS JOIN LATERAL (
        SELECT min(h.at) FILTER (WHERE h.to_status IN (7, 8)) AS closed_at,
               (array_agg(h.to_status ORDER BY h.id) FILTER (WHERE h.to_status IN (7, 8)))[1] AS closed_status,
               min(h.at) FILTER (WHERE h.to_status = 3) AS refused_at,
               count(*) FILTER (WHERE h.to_status = 5 AND h.from_status <> 1) AS supplements,
               count(*) FILTER (WHERE h.to_status = 5 AND h.from_status <> 1 AND h.at >= :start AND h.at < :end)
                   AS supplements_in_period
        FROM dossier_history h WHERE h.dossier_id = d.id
    ) h
    LEFT JOIN LATERAL (
        SELECT e.previous_due_at FROM dossier_extensions e WHERE e.dossier_id = d.id ORDER BY e.id LIMIT 1
    ) x ON true
    WHERE ((d.received_at < :end AND (d.finished_at IS NULL OR d.finished_at >= :start))
           OR (d.status = 3 AND d.submitted_at < :end AND d.updated_at >= :start))
      {conditions}
)
SELECT key,
    count(*) FILTER (WHERE received_at < :start) AS carried_over,
    count(*) FILTER (WHERE received_at >= :start AND received_at < :end) AS received,
    count(*) FILTER (WHERE received_at >= :start AND received_at < :end AND channel = 'counter') AS received_counter,
    count(*) FILTER (WHERE received_at >= :start AND received_at < :end AND channel = 'online') AS received_online,
    count(*) FILTER (WHERE received_at >= :start AND received_at < :end AND channel = 'postal') AS received_postal,
    count(*) FILTER (WHERE finished_at >= :start AND finished_at < :end) AS resolved,
    count(*) FILTER (WHERE finished_at >= :start AND finished_at < :end AND supplements < 2
                     AND (finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date < due_day) AS resolved_early,
    count(*) FILTER (WHERE finished_at >= :start AND finished_at < :end AND supplements < 2
                     AND (finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date = due_day) AS resolved_on_time,
    count(*) FILTER (WHERE finished_at >= :start AND finished_at < :end AND (supplements >= 2
                     OR (finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > due_day)) AS resolved_late,
    count(*) FILTER (WHERE received_at < :end AND coalesce(finished_at, closed_at, 'infinity') >= :end) AS pending,
    count(*) FILTER (WHERE received_at < :end AND coalesce(finished_at, closed_at, 'infinity') >= :end
                     AND supplements < 2 AND coalesce(due_at, 'infinity') >= :end) AS pending_within_due,
    count(*) FILTER (WHERE received_at < :end AND coalesce(finished_at, closed_at, 'infinity') >= :end
                     AND (supplements >= 2 OR due_at < :end)) AS pending_past_due,
    count(*) FILTER (WHERE closed_status = 7 AND closed_at >= :start AND closed_at < :end) AS withdrawn,
    count(*) FILTER (WHERE closed_status = 8 AND closed_at >= :start AND closed_at < :end) AS stopped,
    count(*) FILTER (WHERE refused_at >= :start AND refused_at < :end) AS refused,
    coalesce(sum(supplements_in_period), 0) AS supplement_requests
FROM facts
-- a dossier that ended (finished, withdrawn or stopped) or was refused before the period concerns it no more
WHERE coalesce(least(finished_at, closed_at), refused_at, 'infinity') >= :start
GROUP BY key
ORDER BY key
"""


@dataclass(frozen=True)
class Slice:
    """Which dossiers a statistic covers: the receiving units (None: the whole province), a field, a
    procedure code, a channel, an online level (``full``, ``partial``, ``none``)."""

    units: frozenset[int] | None = None
    field: str | None = None
    procedure: str | None = None
    channel: str | None = None
    level: str | None = None


def dossier_statistics(session: Session, period: Period, where: Slice, group_by: str | None = None) -> list[dict]:
    """One row per group (``GROUPS``; all in one row, key None, without), with every count of ``COUNTS``
    and the on-time rate of the dossiers resolved in the period (None when none were)."""
    conditions, params = _conditions(where)
    sql = STATEMENT.format(key=GROUPS[group_by] if group_by else "NULL", conditions=conditions)
    rows = session.execute(text(sql), {"start": period.start, "end": period.end, **params}).mappings().all()
    result = [{"key": row["key"], **{name: int(row[name]) for name in COUNTS}} for row in rows]
    if not result and group_by is None:
        result = [{"key": None, **dict.fromkeys(COUNTS, 0)}]
    for row in result:
        row["on_time_rate"] = rate(row["resolved_early"] + row["resolved_on_time"], row["resolved"])
    return result


def rate(part: int, whole: int) -> float | None:
    """``part`` of ``whole`` in per cent, two decimals; None (N/A) when ``whole`` is 0 (QĐ 766)."""
    return None if whole == 0 else round(100 * part / whole, 2)


def _conditions(where: Slice) -> tuple[str, dict]:
    clauses, params = [], {}
    if where.units is not None:
        clauses.append("d.receiving_unit_id = ANY(:units)")
        params["units"] = sorted(where.units)
    for name, column in (
        ("field", "p.field"),
        ("procedure", "p.code"),
        ("channel", "d.channel"),
        ("level", "p.online_mode"),
    ):
        value = getattr(where, name)
        if value is not None:
            clauses.append(f"{column} = :{name}")
            params[name] = value
    return "".join(f"\n      AND {clause}" for clause in clauses), params


def totals(rows: Iterable[dict]) -> dict:
    """The rows of a grouped statistic added up (every count; the rate recomputed)."""
    summed = {name: 0 for name in COUNTS}
    for row in rows:
        for name in COUNTS:
            summed[name] += row[name]
    summed["on_time_rate"] = rate(summed["resolved_early"] + summed["resolved_on_time"], summed["resolved"])
    return {"key": None, **summed}
