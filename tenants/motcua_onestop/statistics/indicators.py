"""The QĐ 766/QĐ-TTg indicators the platform's own records can compute, their scores and the five group scores
(docs/statistics.md has a worked example; ../shared/research/domain-vn-dvc.md section 9 the sources).

Every rate is a percentage with two decimals, N/A (None) when its denominator is 0. An indicator with points
scores ``points × min(rate / threshold, 1)``: full points at its threshold (3.1 80 %, 3.3 50 %, 4.2 80 %;
others 100 %), proportionally below. QĐ 766 fixes the group maxima (18, 20, 22, 22, 18) but not how a group's
points are shared between its indicators; we share them equally, except group 3, split 12 for the online
services (3.1–3.3) and 10 for payment (3.5–3.6) as the national scoreboard shows it (ADR 0039). Indicators
the platform has no record for yet (publishing dates, national sync, identity checks) are
listed with why, and score nothing: a group's score is out of the points of the
indicators that could be scored, and both figures are given.

Dossier indicators follow ``services.dossier_counts`` (one statement, additive over units, so a province is
the sum of its units); catalogue indicators (1.3, 3.1, 3.2) read the published catalogue as it is now and
exist for the whole province only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from motcua_platform.i18n import _, current_locale
from sqlalchemy import text
from sqlalchemy.orm import Session

from motcua_onestop.dossiers.ratings.services import DISLIKED
from motcua_onestop.feedback import services as feedback
from motcua_onestop.statistics import services
from motcua_onestop.statistics.periods import Period
from motcua_onestop.statistics.services import ENDED_IN, Slice, rate

GROUPS = {  # group -> (its maximum in QĐ 766, its name)
    1: (18, _("Transparency and publicity")),
    2: (20, _("Progress of processing")),
    3: (22, _("Online public services")),
    4: (22, _("Digitisation of dossiers and results")),
    5: (18, _("Satisfaction")),
}
DOSSIERS, CATALOGUE, FEEDBACK, KEPT_DOCUMENTS, PAYMENTS = (
    "dossiers",
    "catalogue",
    "feedback",
    "kept_documents",
    "payments",
)
NATIONAL_SIGN_IN = "national_sign_in"


@dataclass(frozen=True)
class Indicator:
    id: str
    name: object  # a lazy message
    points: Decimal | None  # None: tracked, not scored
    threshold: int = 100  # the rate (%) that earns full points
    source: str | None = None  # DOSSIERS, CATALOGUE, or None: not recorded by the platform yet
    missing: object = None  # why it is not computed yet (a lazy message)

    @cached_property  # read for every indicator of every scorecard: a ranking builds hundreds
    def group(self) -> int:
        return int(self.id.split(".")[0])


PROVINCE_ONLY = _("The province's catalogue: shown for the whole province, without a slice.")
NOT_SYNCED = _("Needs the national procedures database and portal sync (not connected yet).")
PROVINCE_PAYMENTS = _("The province's fee payments: shown for the whole province, without a slice.")
PROVINCE_FEEDBACK = _("The province's feedback and complaints: shown for the whole province, without a slice.")
INDICATORS = (
    Indicator("1.1", _("Procedures published on time"), Decimal("4.5"), missing=NOT_SYNCED),
    Indicator("1.2", _("Procedures updated on the national database on time"), Decimal("4.5"), missing=NOT_SYNCED),
    Indicator("1.3", _("Procedures published complete"), Decimal("4.5"), source=CATALOGUE),
    Indicator("1.4", _("Dossiers synchronised with the national portal"), Decimal("4.5"), missing=NOT_SYNCED),
    Indicator("2.1", _("Dossiers resolved or in process on time"), Decimal(20), source=DOSSIERS),
    Indicator("2.2", _("Average processing time per procedure"), None, source=DOSSIERS),
    Indicator("3.1", _("Procedures offered online"), Decimal(4), threshold=80, source=CATALOGUE),
    Indicator("3.2", _("Online services that received online dossiers"), Decimal(4), source=CATALOGUE),
    Indicator("3.3", _("Dossiers submitted online"), Decimal(4), threshold=50, source=DOSSIERS),
    Indicator(
        "3.5",
        _("Fee-bearing procedures with online payment"),
        Decimal(5),
        threshold=80,
        source=PAYMENTS,
        missing=PROVINCE_PAYMENTS,
    ),
    Indicator("3.6", _("Dossiers paid online"), Decimal(5), source=PAYMENTS, missing=PROVINCE_PAYMENTS),
    Indicator("4.1", _("Results issued electronically"), Decimal("4.4"), source=DOSSIERS),
    Indicator("4.2", _("Dossiers digitised"), Decimal("4.4"), threshold=80, source=DOSSIERS),
    Indicator(
        "4.3",
        _("Dossiers reusing digitised documents"),
        Decimal("4.4"),
        threshold=80,
        source=KEPT_DOCUMENTS,
        missing=_("The province's documents given once: shown for the whole province, without a slice."),
    ),
    Indicator(
        "4.4",
        _("Dossiers connected to the applicant's data store"),
        Decimal("4.4"),
        missing=_("Needs the national applicant data store (not connected yet)."),
    ),
    Indicator(
        "4.5",
        _("Dossiers with identity checked against the population database"),
        Decimal("4.4"),
        source=NATIONAL_SIGN_IN,
        missing=_("Sign-in with national identity: shown for the whole province, without a slice."),
    ),
    Indicator(
        "5.1",
        _("Feedback and complaints by category"),
        None,
        missing=_("Tracked, not scored: the feedback received by category is on the feedback page."),
    ),
    Indicator(
        "5.2", _("Feedback and complaints handled on time"), Decimal(6), source=FEEDBACK, missing=PROVINCE_FEEDBACK
    ),
    Indicator(
        "5.3", _("Satisfaction with answers to feedback"), Decimal(6), source=FEEDBACK, missing=PROVINCE_FEEDBACK
    ),
    Indicator(
        "5.4",
        _("Satisfaction with the processing of dossiers"),
        Decimal(6),
        threshold=90,
        source=FEEDBACK,
        missing=PROVINCE_FEEDBACK,
    ),
)
BY_ID = {indicator.id: indicator for indicator in INDICATORS}
SCORED_BY_UNIT = tuple(i.id for i in INDICATORS if i.source == DOSSIERS and i.points is not None)
assert all(
    sum((i.points for i in INDICATORS if i.group == group and i.points is not None), Decimal(0)) == maximum
    for group, (maximum, _name) in GROUPS.items()
), "each group's indicators share exactly its QĐ 766 maximum"


def dossier_parts(counts: dict) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of each dossier indicator from a row of ``services.dossier_counts``.

    - 2.1: resolved early or on time, stopped on or before the due day, and still open but within the due date
      (or waiting for the one supplement asked before it was due) when the period ended; of every dossier
      resolved, stopped or still open then (carried over or received). A dossier asked for a supplement twice
      after intake is late; an extended (apology) dossier is judged against the date it apologised for, not
      the new one. Withdrawn dossiers (the applicant's choice) and those refused at intake (never received)
      are not counted.
    - 3.3: received online in the period, of all received in it; an online dossier whose procedure requires a
      paper result counts only with its result as a file once finished. The national rule multiplies by the
      sync rate (1.4), which needs the national portal: not applied.
    - 4.1: of the dossiers resolved in the period whose procedure requires a paper result, those with the
      result as a file.
    - 4.2: received in the period with a digitised component (a scan of the paper original, or any file of an
      online dossier) and, when the procedure requires a paper result and the dossier is finished, its result
      as a file; of all received in it.
    """
    return {
        "2.1": (
            counts["resolved_early"]
            + counts["resolved_on_time"]
            + counts["stopped_on_time"]
            + counts["pending_within_due"],
            counts["resolved"] + counts["stopped"] + counts["pending"],
        ),
        "3.3": (counts["received_online_complete"], counts["received"]),
        "4.1": (counts["resolved_result_file"], counts["resolved_result_required"]),
        "4.2": (counts["received_digitised"], counts["received"]),
    }


# The published catalogue (the procedures citizens may apply under). A procedure is complete with its seven
# parts (Decree 63/2010 Art. 8 as the national database checks them): name, steps, dossier components, time
# limit, applicants, result, legal basis (fees may rightly be none). Offered online: partial or full; used
# online: such a procedure (by code, any version) received an online dossier in the period.
CATALOGUE_STATEMENT = text("""
SELECT count(*) AS published,
       count(*) FILTER (WHERE name_vi <> '' AND coalesce(jsonb_array_length(workflow), 0) > 0
                        AND coalesce(jsonb_array_length(documents), 0) > 0 AND time_limit_value IS NOT NULL
                        AND coalesce(applicants, '') <> '' AND coalesce(result_document, '') <> ''
                        AND coalesce(jsonb_array_length(legal_basis), 0) > 0) AS complete,
       coalesce(array_agg(code) FILTER (WHERE online_mode IN ('partial', 'full')), '{}') AS online,
       count(*) FILTER (WHERE online_mode = 'full') AS full_online
FROM procedures
WHERE status = 'published' AND (plugin IS NULL OR plugin = ANY(:enabled))
""")


def catalogue_parts(
    session: Session, enabled: Iterable[str], used_online: set[str] | None = None
) -> dict[str, tuple[int, int]]:
    """(numerator, denominator) of 1.3 and 3.1 (``CATALOGUE_STATEMENT``), of the share of procedures fully
    online (``full_online``, a roadmap target of its own) and, given the codes of the procedures that received
    an online dossier in the period (``used_online``, from the statistics grouped by procedure), of 3.2."""
    row = session.execute(CATALOGUE_STATEMENT, {"enabled": sorted(enabled)}).one()
    parts = {
        "1.3": (row.complete, row.published),
        "3.1": (len(row.online), row.published),
        "full_online": (row.full_online, row.published),
    }
    if used_online is not None:
        parts["3.2"] = (sum(1 for code in row.online if code in used_online), len(row.online))
    return parts


# The dossiers resolved in the period that their applicant rated dissatisfied or worse, or that feedback names
# (feedback the office rejected, as outside its remit or abusive, does not count).
DISSATISFIED = text(f"""
    SELECT count(*) FROM dossiers d
    WHERE {ENDED_IN} AND d.finished_at IS NOT NULL
      AND (EXISTS (SELECT 1 FROM dossier_ratings r WHERE r.dossier_id = d.id AND r.level <= :disliked)
           OR EXISTS (SELECT 1 FROM feedback_items f WHERE f.dossier_code = d.code AND f.status <> 'rejected'))
""")  # noqa: S608 - the condition is the statistics' own constant


# The dossiers received in the period, and those among them with a component given again from the applicant's
# kept documents (documents given once).
REUSED = text("""
    SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM dossier_documents doc
                                          WHERE doc.dossier_id = d.id AND doc.reused_from_id IS NOT NULL
                                            AND doc.kind = 'component' AND doc.uploaded_at < :end)),
           count(*)
    FROM dossiers d WHERE d.received_at >= :start AND d.received_at < :end
""")


# The dossiers of a person (a 12-digit identity number, not a business's tax code) received in the period, and
# those among them submitted after a sign-in with national identity (or on the national portal, which signs
# in with VNeID).
IDENTITY_VERIFIED = text("""
    SELECT count(*) FILTER (WHERE d.identity_verified), count(*)
    FROM dossiers d WHERE d.received_at >= :start AND d.received_at < :end
      AND d.applicant_citizen_id ~ '^[0-9]{12}$'
""")


def identity_part(session: Session, period: Period) -> tuple[int, int]:
    """4.5: of the dossiers of persons received in the period, those whose applicant's identity the
    national sign-in checked."""
    verified, received = session.execute(IDENTITY_VERIFIED, {"start": period.start, "end": period.end}).one()
    return verified, received


# 3.5: the published procedures with a fee above 0 (their fee lines add up to more than nothing), and those
# among them a citizen can pay online: offered online (partly or fully) while the province takes payments
# online (its merchant settings are on). 3.6: the dossiers received in the period with a fee above 0, and
# those among them paid online (the dossier's own record of how it was paid, kept with the payment).
FEE_PROCEDURES = text("""
    WITH priced AS (
        SELECT p.online_mode FROM procedures p
        WHERE p.status = 'published' AND (p.plugin IS NULL OR p.plugin = ANY(:enabled))
          AND (SELECT coalesce(sum((f->>'amount')::bigint), 0) FROM jsonb_array_elements(p.fees) f) > 0)
    SELECT count(*) FILTER (WHERE online_mode IN ('partial', 'full')
                              AND EXISTS (SELECT 1 FROM payment_settings s WHERE s.enabled)),
           count(*)
    FROM priced
""")
PAID_ONLINE = text("""
    SELECT count(*) FILTER (WHERE d.payment_method = 'online'), count(*)
    FROM dossiers d WHERE d.received_at >= :start AND d.received_at < :end AND d.total_fee > 0
      AND (CAST(:units AS bigint[]) IS NULL OR d.receiving_unit_id = ANY(CAST(:units AS bigint[])))
""")


def paid_online_part(session: Session, period: Period, units: Iterable[int] | None = None) -> tuple[int, int]:
    """3.6 as (numerator, denominator): of the whole province, or of the dossiers ``units`` received."""
    values = {"start": period.start, "end": period.end, "units": None if units is None else sorted(units)}
    paid_online, fee_dossiers = session.execute(PAID_ONLINE, values).one()
    return paid_online, fee_dossiers


def payment_parts(session: Session, period: Period, enabled: Iterable[str]) -> dict[str, tuple[int, int]]:
    """3.5 and 3.6 as (numerator, denominator), for the whole province (``FEE_PROCEDURES``, ``PAID_ONLINE``)."""
    payable, priced = session.execute(FEE_PROCEDURES, {"enabled": sorted(enabled)}).one()
    return {"3.5": (payable, priced), "3.6": paid_online_part(session, period)}


def reuse_part(session: Session, period: Period) -> tuple[int, int]:
    """4.3: the dossiers received in the period with at least one component given again, of all received."""
    reused, received = session.execute(REUSED, {"start": period.start, "end": period.end}).one()
    return reused, received


def satisfaction_part(session: Session, period: Period, on_time: tuple[int, int]) -> tuple[int, int]:
    """5.4 = 100 % less the late rate and the rate of dossiers with feedback or a dissatisfied rating, as
    (numerator, denominator) over 2.1's dossiers: 2.1's on-time count less the resolved dossiers rated
    dissatisfied or named by feedback (a late one among them counts twice, as the formula adds both rates),
    never below 0."""
    numerator, denominator = on_time
    bad = session.execute(DISSATISFIED, {"start": period.start, "end": period.end, "disliked": DISLIKED}).scalar()
    return max(0, numerator - bad), denominator


def score(indicator: Indicator, value: float | None) -> Decimal | None:
    """The indicator's points for ``value`` (%), two decimals; None when not scored or N/A."""
    if indicator.points is None or value is None:
        return None
    earned = indicator.points * min(Decimal(str(value)) / indicator.threshold, Decimal(1))
    return earned.quantize(Decimal("0.01"), ROUND_HALF_UP)


_TEXTS: dict[str, tuple[dict, dict]] = {}


def _texts() -> tuple[dict[str, tuple[str, str]], dict[int, str]]:
    """Each indicator's name and why it is not recorded, and each group's name, in the current language,
    rendered once per language: the ranking builds a scorecard per agency, and rendering them every time
    was most of its time."""
    locale = current_locale()
    if locale not in _TEXTS:
        names = {i.id: (str(i.name), str(i.missing or PROVINCE_ONLY)) for i in INDICATORS}
        _TEXTS[locale] = (names, {group: str(name) for group, (_maximum, name) in GROUPS.items()})
    return _TEXTS[locale]


def scorecard(parts: dict[str, tuple[int, int]], measured: int | None = None) -> dict:
    """Every indicator (computed from ``parts``, or listed with why not) with its score, the group scores
    and the total, each with the points that could be scored (their sum over the indicators not N/A).
    ``measured``: the dossiers 2.2 averaged (its averages are per procedure, beside the scorecard)."""
    names, group_names = _texts()
    rows = []
    earned: dict[int, list] = {group: [] for group in GROUPS}  # each group's scored indicators
    for indicator in INDICATORS:
        numerator, denominator = parts.get(indicator.id, (None, None))
        value = rate(numerator, denominator) if denominator is not None else None
        computed = indicator.id in parts
        if indicator.id == "2.2" and measured is not None:
            computed, denominator = True, measured
        points = score(indicator, value)
        if points is not None:
            earned[indicator.group].append((points, indicator.points))
        rows.append(
            {
                "id": indicator.id,
                "group": indicator.group,
                "name": names[indicator.id][0],
                "value": value,
                "numerator": numerator,
                "denominator": denominator,
                "threshold": indicator.threshold if indicator.points is not None else None,
                "points": indicator.points,
                "score": points,
                "status": ("computed" if value is not None or denominator else "not_applicable")
                if computed
                else "not_recorded",
                "why": None if computed else names[indicator.id][1],
            }
        )
    groups = [
        {
            "group": group,
            "name": group_names[group],
            "maximum": maximum,
            "score": sum((points for points, _most in earned[group]), Decimal(0)) if earned[group] else None,
            "scored_points": sum((most for _points, most in earned[group]), Decimal(0)),
        }
        for group, (maximum, _name) in GROUPS.items()
    ]
    total = sum((g["score"] for g in groups if g["score"] is not None), Decimal(0))
    scored_points = sum((g["scored_points"] for g in groups), Decimal(0))
    return {
        "indicators": rows,
        "groups": groups,
        "score": total if scored_points else None,
        "scored_points": scored_points,
        "score_percent": None if not scored_points else _percent(total, scored_points),
    }


def _percent(part: Decimal, whole: Decimal) -> float:
    return float((100 * part / whole).quantize(Decimal("0.01"), ROUND_HALF_UP))


def processing_times(session: Session, rows: list[dict]) -> list[dict]:
    """Indicator 2.2 from ``dossier_counts`` grouped by procedure: per procedure, the average time of its
    dossiers resolved in the period, from intake to the result less the supplement pauses, in the
    procedure's own time unit, beside its time limit now."""
    limits = {
        code: (value, unit)
        for code, value, unit in session.execute(
            text(
                "SELECT code, time_limit_value, time_limit_unit FROM procedures"
                " WHERE code = ANY(:codes) AND status = 'published'"
            ),
            {"codes": [row["key"] for row in rows]},
        )
    }
    result = []
    for row in rows:
        shown = services.published(row)
        value, unit = limits.get(row["key"], (None, None))
        if shown["average_processing_time"] is not None:
            result.append(
                {
                    "procedure": row["key"],
                    "average": shown["average_processing_time"],
                    "time_unit": shown["time_unit"],
                    # the published limit, when it is in the unit the average is in (a new version may differ)
                    "time_limit": value if unit == shown["time_unit"] else None,
                    "measured": int(row["processing_time_measured"]),
                }
            )
    return result


def province_scorecard(
    session: Session, period: Period, where: Slice, enabled: Iterable[str], *, now: dt.datetime | None = None
) -> dict:
    """The scorecard of the dossiers ``where`` selects, from one statement grouped by procedure (the counts
    add up to the whole; 2.2 is per procedure); with the catalogue and feedback indicators when ``where`` is
    the whole province, since those are the province's, not a unit's."""
    rows = services.dossier_counts(session, period, where, "procedure", now=now)
    parts = dossier_parts(services.totals(rows))
    if where == Slice():
        used_online = {row["key"] for row in rows if row["received_online"]}
        parts |= catalogue_parts(session, enabled, used_online)
        parts |= feedback.indicator_parts(session, period.start, period.end)
        parts["5.4"] = satisfaction_part(session, period, parts["2.1"])
        parts["4.3"] = reuse_part(session, period)
        parts["4.5"] = identity_part(session, period)
        parts |= payment_parts(session, period, enabled)
    times = processing_times(session, rows)
    card = scorecard(parts, measured=sum(t["measured"] for t in times))
    card["processing_times"] = times
    return card
