"""The dossier statistics of a period, per slice (docs/statistics.md gives every number and its rule).

One statement reads the dossiers the period's numbers concern in four parts, each found by its own index
(ADR 0041): those received in it, those that ended in it, those refused at intake in it, and those still open
at its end; what was carried over into it follows from those. Each dossier carries the facts the numbers need,
kept by the transaction that changes it (ADR 0038): its due date for reports, which is the appointment moved
by supplement pauses but not by an extension (an extension is the apology for being late: QĐ 766 counts the
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
from motcua_platform.timezones import VIETNAM
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.models import (
    ENDED,
    ENDED_AT,
    OPEN,
    OPEN_REPORT_COLUMNS,
    REPORT_COLUMNS,
    REPORT_SPAN,
    RESULT_MISSING,
)
from motcua_onestop.statistics.models import KEPT_COUNTS, KeptPeriod
from motcua_onestop.statistics.periods import Period, custom, month_after
from motcua_onestop.units.services import subtree_ids

GROUPS = {  # group_by -> the SQL expression of a row's key
    "unit": "f.receiving_unit_id",
    "field": "p.field",
    "procedure": "p.code",
    "channel": "f.channel",
    "level": "p.online_mode",
}
BY_PROCEDURE = frozenset({"field", "procedure", "level"})  # the groups that are the procedure's attributes
# and the row a month keeps (statistics.kept): its receiving unit, procedure version and channel
KEYS = GROUPS | {"kept": "jsonb_build_array(f.receiving_unit_id, f.procedure_id, f.channel)"}
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
# What adding periods together needs besides: the dossiers that ended in the period (what was carried over
# follows from them) and all those received with digitised components (``received_digitised`` is those less
# the ones finished without their result file by the period's end, which a longer period reads again).
COMPOSING_COUNTS = ("ended", "received_with_digitised")
ALL_COUNTS = COUNTS + INDICATOR_COUNTS + COMPOSING_COUNTS
assert set(KEPT_COUNTS) <= set(ALL_COUNTS)

# A period's numbers come from four parts, each reading its own dossiers through its own index with the
# columns the numbers need (index-only scans), and each counting only what concerns it: those received in the
# period; those that ended in it (a result, or closed without one after intake); those refused at intake in
# it (never received); those still open at its end. What was carried over into the period (open at its
# start) follows without reading those dossiers: every dossier open at the start or received in the period
# either ended in it or is still open at its end, so carried over = ended + pending - received, group by
# group (a dossier's unit, procedure and channel never change). {conditions} are the slice's filters.
COLUMNS = ", ".join(f"d.{column}" for column in ("received_at", *REPORT_COLUMNS))
OPEN_COLUMNS = ", ".join(f"d.{column}" for column in ("received_at", *OPEN_REPORT_COLUMNS))  # all the open ones need
ENDED_IN = f"{ENDED} AND {ENDED_AT} >= :start AND {ENDED_AT} < :end"  # the partial index's predicate first
OPEN_AT = f"d.received_at IS NOT NULL AND {REPORT_SPAN} @> CAST(:{{at}} AS timestamptz)"
# Open at the end of a period not over yet: every dossier open now (a small partial index, read alone),
# and any whose end was written later than now (a clock set by hand; the ended-at index finds none).
OPEN_NOW = f"{OPEN} AND d.received_at < :end"  # the partial index's own predicate
ENDING_LATER = f"{ENDED} AND d.received_at < :end AND {ENDED_AT} >= :end"
SOURCES = {  # part -> the dossiers it reads (several: read apart and added together)
    "received": ("d.received_at >= :start AND d.received_at < :end",),
    "ended": (ENDED_IN,),
    "refused": ("d.closed_status = 3 AND d.closed_at >= :start AND d.closed_at < :end",),
    "open_at_end": (OPEN_AT.format(at="end"),),
    "open_at_end_now": (OPEN_NOW, ENDING_LATER),
    "open_at_start": (OPEN_AT.format(at="start"),),
}
# Still open when the period ended; within its due date then, or waiting for the applicant's one supplement,
# asked before it was due: QĐ 766 takes a single pending supplement request as the end of processing.
WITHIN_DUE = (
    "supplement_rounds < 2 AND (coalesce(report_due_at, 'infinity') >= :as_of"
    " OR (paused_at IS NOT NULL AND paused_at < :end AND paused_at <= coalesce(report_due_at, paused_at)))"
)
# A procedure that requires a paper result counts an online or digitised dossier only with its result as a
# file once it is finished (by the period's end; QĐ 766 3.3 and 4.2).
RESULT_REQUIRED = "coalesce(p.result_document, '') <> ''"  # as 1.3 reads it: an empty result is none
RESULT_KEPT = f"NOT ({RESULT_REQUIRED} AND coalesce(finished_at < :end, false) AND NOT has_result_file)"
# An instant's local (Vietnam) day as a number: Vietnam has kept UTC+7 without daylight saving since 1975, so
# the day is counted from the epoch with the offset added, three times cheaper than converting to the zone
# (each conversion looks the zone up). Computed once per ended dossier (``TIMING``, behind ``OFFSET 0``, which
# keeps PostgreSQL from copying it into every condition): how its result or stop fell against its due day.
LOCAL_DAY = "floor((date_part('epoch', {}) + 25200) / 86400)"
TIMING = (
    f"sign({LOCAL_DAY.format('d.finished_at')} - {LOCAL_DAY.format('d.report_due_at')}) AS timing, "
    f"CASE WHEN d.finished_at IS NULL AND d.closed_status = 8"
    f" THEN {LOCAL_DAY.format('d.closed_at')} <= {LOCAL_DAY.format('d.report_due_at')} END AS stopped_in_time"
)
ONE_DAY = dt.timedelta(days=1)
RESOLVED = "finished_at IS NOT NULL"  # an ended dossier without a result was closed (withdrawn, stopped)
# Which dossiers each count counts, written once, as (part, condition): the statement counts them, and a
# person drilling into a number lists the same dossiers (``dossiers_behind``).
CONDITIONS = {
    "carried_over": ("open_at_start", "true"),
    "received": ("received", "true"),
    "received_counter": ("received", "channel = 'counter'"),
    "received_online": ("received", "channel = 'online'"),
    "received_postal": ("received", "channel = 'postal'"),
    "resolved": ("ended", RESOLVED),
    "resolved_early": ("ended", f"{RESOLVED} AND supplement_rounds < 2 AND timing < 0"),
    "resolved_on_time": ("ended", f"{RESOLVED} AND supplement_rounds < 2 AND timing = 0"),
    "resolved_late": ("ended", f"{RESOLVED} AND (supplement_rounds >= 2 OR timing > 0)"),
    "pending": ("open_at_end", "true"),
    "pending_within_due": ("open_at_end", WITHIN_DUE),
    "pending_past_due": ("open_at_end", f"NOT ({WITHIN_DUE})"),
    "withdrawn": ("ended", "finished_at IS NULL AND closed_status = 7"),
    "stopped": ("ended", "finished_at IS NULL AND closed_status = 8"),
    "refused": ("refused", "true"),
    "stopped_on_time": (
        "ended",
        "finished_at IS NULL AND closed_status = 8 AND supplement_rounds < 2 AND stopped_in_time",
    ),
    "received_online_complete": ("received", f"channel = 'online' AND {RESULT_KEPT}"),
    "received_digitised": ("received", f"has_digitised_components AND {RESULT_KEPT}"),
    "resolved_result_required": ("ended", f"{RESOLVED} AND {RESULT_REQUIRED}"),
    "resolved_result_file": ("ended", f"{RESOLVED} AND {RESULT_REQUIRED} AND has_result_file"),
    "ended": ("ended", "true"),
    "received_with_digitised": ("received", "has_digitised_components"),
}
SUMS = {  # what is not a count of dossiers: (part, expression)
    "supplement_rounds": ("ended", f"coalesce(sum(supplement_rounds) FILTER (WHERE {RESOLVED}), 0)"),
    "processing_time_measured": ("ended", f"count(processing_time) FILTER (WHERE {RESOLVED})"),
    "processing_time_sum": ("ended", f"coalesce(sum(processing_time) FILTER (WHERE {RESOLVED}), 0)"),
}
assert set(CONDITIONS) | set(SUMS) == set(ALL_COUNTS)
COUNTED = ("received", "ended", "refused", "open_at_end")  # the parts the statement reads
# a procedure's time unit, for its average processing time (its versions may differ: then none)
TIME_UNIT = (
    f"CASE WHEN min(p.time_limit_unit) FILTER (WHERE processing_time IS NOT NULL AND {RESOLVED})"
    f" = max(p.time_limit_unit) FILTER (WHERE processing_time IS NOT NULL AND {RESOLVED})"
    f" THEN min(p.time_limit_unit) FILTER (WHERE processing_time IS NOT NULL AND {RESOLVED}) END"
)
BEHIND = """
SELECT f.id FROM ({facts}) f JOIN procedures p ON p.id = f.procedure_id
WHERE {condition}{key_condition}
ORDER BY f.received_at DESC NULLS LAST, f.id DESC
LIMIT :limit OFFSET :offset
"""


def _facts(part: str, conditions: str, columns: str = COLUMNS) -> str:
    """The SQL of the dossiers a part reads, with the slice's ``conditions`` (the ended ones with their
    ``TIMING``)."""
    timing, fence = (f", {TIMING}", " OFFSET 0") if part == "ended" else ("", "")
    return "\nUNION ALL\n".join(
        # every piece a constant of this module or a bound parameter's name
        f"SELECT {columns}{timing} FROM dossiers d WHERE {source}{conditions}{fence}"  # noqa: S608
        for source in SOURCES[part]
    )


def _part(part: str, source: str, conditions: str, key: str, group_by: str | None) -> str:
    """One part's counts per group, zero for the counts of the other parts."""
    counts = [
        f"count(*) FILTER (WHERE {condition}) AS {name}" if counted == part else f"0 AS {name}"
        for name, (counted, condition) in CONDITIONS.items()
        if name != "carried_over"
    ]
    counts += [
        f"{expression} AS {name}" if counted == part else f"0 AS {name}" for name, (counted, expression) in SUMS.items()
    ]
    time_unit = TIME_UNIT if part == "ended" and group_by == "procedure" else "NULL::text"
    # the procedure's attributes: for the result it requires (intake and ends), or a group by them
    by_procedure = part in ("received", "ended") or group_by in BY_PROCEDURE
    procedures = " JOIN procedures p ON p.id = f.procedure_id" if by_procedure else ""
    columns = OPEN_COLUMNS if part == "open_at_end" else COLUMNS
    return (
        f"SELECT {key} AS key, {', '.join(counts)}, {time_unit} AS time_unit\n"
        f"FROM ({_facts(source, conditions, columns)}) f{procedures}\nGROUP BY 1"
    )


def statement(where: Slice, group_by: str | None, *, over: bool = True) -> tuple[str, dict]:
    """The SQL text of ``dossier_statistics`` and its parameters besides the period's; ``over`` is False for a
    period not over yet, whose open dossiers are those open now."""
    conditions, params = _conditions(where)
    key = KEYS[group_by] if group_by else "NULL"
    parts = [_part(part, _source(part, over), conditions, key, group_by) for part in COUNTED]
    sums = [
        f"sum({name})::{'numeric' if name == 'processing_time_sum' else 'bigint'} AS {name}"
        for name in ALL_COUNTS
        if name != "carried_over"
    ]
    sql = (
        "SELECT key, sum(ended + pending - received)::bigint AS carried_over,\n    "
        + ",\n    ".join(sums)
        + ",\n    max(time_unit) AS time_unit\nFROM (\n"
        + "\nUNION ALL\n".join(f"({part})" for part in parts)
        + "\n) parts\nGROUP BY key\nORDER BY key"
    )
    return sql, params


def _source(part: str, over: bool) -> str:
    """Where a part reads its dossiers: those open at the end of a period not over are those open now."""
    return "open_at_end_now" if part == "open_at_end" and not over else part


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
    """One row per group (``GROUPS``; all in one row, key None, without) with every count of ``ALL_COUNTS``
    and, grouped by procedure, its time unit. The parts of ``period`` that are kept (``statistics.kept``:
    finished months, the month so far) are added up from their kept counts, the rest read from the dossiers."""
    now = now or dt.datetime.now(dt.UTC)
    kept = []
    # every kept period begins on a month's first day: a period that holds none (a day, most weeks) has none
    if period.first_day.day == 1 or month_after(period.first_day) < period.end_day:
        kept = session.execute(
            select(KeptPeriod.first_day, KeptPeriod.end_day).where(
                KeptPeriod.first_day >= period.first_day,
                KeptPeriod.end_day <= min(period.end_day, now.astimezone(VIETNAM).date()),
            )
        ).all()
    pieces, runs = _cover(period, kept)
    result = (
        _composed(session, period, pieces, runs, where, group_by, now)
        if pieces
        else _read(session, period, where, group_by, now)
    )
    if not result and group_by is None:
        result = [{"key": None, **dict.fromkeys(ALL_COUNTS, 0), "time_unit": None}]
    return result


def longest_kept(kept: Iterable[tuple[dt.date, dt.date]]) -> dict[dt.date, dt.date]:
    """Of kept periods (first day, the day after the last), the longest from each first day: its end."""
    longest: dict[dt.date, dt.date] = {}
    for first, end in kept:
        longest[first] = max(end, longest.get(first, end))
    return longest


def _cover(period: Period, kept: Iterable[tuple[dt.date, dt.date]]) -> tuple[list[tuple], list[tuple]]:
    """``period`` as kept pieces, the longest kept one from each day (a month before a month so far), and the
    runs of consecutive days between them, each as (first day, the day after the last)."""
    longest = longest_kept(kept)
    pieces: list[tuple] = []
    runs: list[list[dt.date]] = []
    day = period.first_day
    while day < period.end_day:
        if day in longest:
            pieces.append((day, longest[day]))
            day = longest[day]
            continue
        if runs and runs[-1][1] == day:
            runs[-1][1] = day + ONE_DAY
        else:
            runs.append([day, day + ONE_DAY])
        day += ONE_DAY
    return pieces, [tuple(run) for run in runs]


def _read(session: Session, period: Period, where: Slice, group_by: str | None, now: dt.datetime) -> list[dict]:
    """The counts of ``period`` read from the dossiers (``statement``)."""
    sql, params = statement(where, group_by, over=period.end <= now)
    return _dicts(session.execute(text(sql), bounds(period, now) | params))


def _dicts(result) -> list[dict]:
    """A result's rows as dicts (from its tuples: a row mapping's items are looked up one by one)."""
    names = list(result.keys())
    return [dict(zip(names, row, strict=True)) for row in result]


def bounds(period: Period, now: dt.datetime) -> dict:
    """The statement's parameters for ``period`` read at ``now``."""
    # a period not over yet is judged as of now: a dossier due later this month is not past due yet
    return {"start": period.start, "end": period.end, "as_of": min(period.end, now)}


def _composed(
    session: Session,
    period: Period,
    pieces: list[tuple],
    runs: list[tuple],
    where: Slice,
    group_by: str | None,
    now: dt.datetime,
) -> list[dict]:
    """The counts of a period covered in part by kept ``pieces``: their counts added up, the ``runs`` between
    them read from the dossiers, the dossiers open at the end from the last piece or run only, what was
    carried over from the identity, and the online and digitised intake less what finished without its
    result file by the period's end (read from the dossiers: it depends on it; a period that is one kept
    period alone has them kept as of its end)."""
    parts = [_kept_rows(session, pieces, period.end_day, where, group_by)]
    for first, end_day in runs:
        rows = _read(session, custom(first, end_day - ONE_DAY), where, group_by, now)
        if end_day != period.end_day:  # open at the end of a run that is not the period's last
            rows = [row | dict.fromkeys(PENDING_COUNTS, 0) for row in rows]
        parts.append(rows)
    merged: dict = {}
    for rows in parts:
        for row in rows:
            into = merged.get(row["key"])
            if into is None:
                into = merged[row["key"]] = {"key": row["key"], **dict.fromkeys(ALL_COUNTS, 0), "units": set()}
            for name in ADDED_UP:
                into[name] += row[name]
            if row["processing_time_measured"]:
                into["units"].add(row["time_unit"])  # None: the part's procedure versions differ
    alone = len(pieces) == 1 and not runs  # one kept period: its intake counts are kept as of its end
    missing = {} if alone else _missing(session, period, where, group_by)
    result = []
    for key in sorted(merged, key=lambda key: (key is None, key)):  # as ORDER BY puts them
        row = merged[key]
        units = row.pop("units")
        row["carried_over"] = row["ended"] + row["pending"] - row["received"]
        if not alone:
            online, digitised = missing.get(key, (0, 0))
            row["received_online_complete"] = row["received_online"] - online
            row["received_digitised"] = row["received_with_digitised"] - digitised
        row["time_unit"] = units.pop() if len(units) == 1 else None
        result.append(row)
    return result


PENDING_COUNTS = ("pending", "pending_within_due", "pending_past_due")
ADDED_UP = (*KEPT_COUNTS, "processing_time_sum")  # what a composed period adds up over its pieces
KEPT_ROWS = """
SELECT {key} AS key, {sums}, sum(processing_time_sum) AS processing_time_sum, {time_unit} AS time_unit
FROM (
    SELECT * FROM statistics_period_counts d
    WHERE (d.first_day, d.end_day) IN (SELECT * FROM unnest(CAST(:firsts AS date[]), CAST(:ends AS date[]))){conditions}
) f{procedures}
GROUP BY 1
"""
# finished without the result file the procedure requires, received in the period and finished by its end
MISSING = """
SELECT {key} AS key, count(*) FILTER (WHERE f.channel = 'online') AS online,
    count(*) FILTER (WHERE f.has_digitised_components) AS digitised
FROM (
    SELECT d.receiving_unit_id, d.procedure_id, d.channel, d.has_digitised_components FROM dossiers d
    WHERE {missing} AND d.received_at >= :start AND d.received_at < :end AND d.finished_at < :end{conditions}
) f
JOIN procedures p ON p.id = f.procedure_id
WHERE {required}
GROUP BY 1
"""


def _kept_rows(
    session: Session, pieces: list[tuple], end_day: dt.date, where: Slice, group_by: str | None
) -> list[dict]:
    """The kept counts of ``pieces`` added up per group; those open at the end from the piece that ends on
    ``end_day`` only (the period's last day, when it is kept)."""
    conditions, params = _conditions(where)
    sums = ", ".join(
        f"coalesce(sum({name}) FILTER (WHERE f.end_day = :end_day), 0)::bigint AS {name}"
        if name in PENDING_COUNTS
        else f"sum({name})::bigint AS {name}"
        for name in KEPT_COUNTS
    )
    time_unit = (
        "CASE WHEN min(p.time_limit_unit) FILTER (WHERE f.processing_time_measured > 0)"
        " = max(p.time_limit_unit) FILTER (WHERE f.processing_time_measured > 0)"
        " THEN min(p.time_limit_unit) FILTER (WHERE f.processing_time_measured > 0) END"
        if group_by == "procedure"
        else "NULL"
    )
    key = GROUPS[group_by] if group_by else "NULL"
    procedures = "\nJOIN procedures p ON p.id = f.procedure_id" if group_by in BY_PROCEDURE else ""
    sql = KEPT_ROWS.format(key=key, sums=sums, time_unit=time_unit, conditions=conditions, procedures=procedures)
    firsts, ends = zip(*pieces, strict=True)
    values = {"firsts": list(firsts), "ends": list(ends), "end_day": end_day}
    return _dicts(session.execute(text(sql), params | values))


def _missing(session: Session, period: Period, where: Slice, group_by: str | None) -> dict:
    """Per group, the online and the digitised dossiers received in ``period`` and finished by its end without
    the result file their procedure requires."""
    conditions, params = _conditions(where)
    key = GROUPS[group_by] if group_by else "NULL"
    sql = MISSING.format(key=key, missing=RESULT_MISSING, conditions=conditions, required=RESULT_REQUIRED)
    rows = session.execute(text(sql), params | {"start": period.start, "end": period.end})
    return {row.key: (row.online, row.digitised) for row in rows}


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
    now = now or dt.datetime.now(dt.UTC)
    part, condition = CONDITIONS[number]
    key_condition = f" AND {GROUPS[group_by]} = :key" if group_by is not None else ""
    facts = _facts(_source(part, period.end <= now), conditions, columns=f"d.id, {COLUMNS}")
    sql = BEHIND.format(facts=facts, condition=condition, key_condition=key_condition)
    values = bounds(period, now) | params | {"key": key, "limit": limit, "offset": offset}
    return list(session.scalars(text(sql), values))
