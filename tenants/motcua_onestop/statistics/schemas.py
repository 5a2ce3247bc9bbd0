from marshmallow import fields, validate
from motcua_platform.web.schema import Schema

from motcua_onestop.statistics.indicators import SCORED_BY_UNIT
from motcua_onestop.statistics.models import METRICS
from motcua_onestop.statistics.periods import KINDS
from motcua_onestop.statistics.ranking import BY
from motcua_onestop.statistics.ranking import KINDS as UNIT_KINDS
from motcua_onestop.statistics.services import COUNTS, GROUPS


class IndicatorsArgsSchema(Schema):
    period = fields.String(
        required=True,
        validate=validate.OneOf(KINDS),
        metadata={"description": "day, week (ISO), month, quarter, year, or custom (with from and until)."},
    )
    value = fields.String(
        validate=validate.Length(max=20),
        metadata={"description": "Which one: 2026-11-30, 2026-W48, 2026-11, 2026-Q4 or 2026 (not for custom)."},
    )
    from_ = fields.String(
        data_key="from", validate=validate.Length(max=10), metadata={"description": "custom: first day"}
    )
    until = fields.String(validate=validate.Length(max=10), metadata={"description": "custom: last day"})
    unit_id = fields.Integer(metadata={"description": "Only this unit and the units below it (within yours)."})
    field = fields.String(validate=validate.Length(max=200))
    procedure = fields.String(validate=validate.Length(max=40), metadata={"description": "A procedure code."})
    channel = fields.String(validate=validate.OneOf(["counter", "online", "postal"]))
    level = fields.String(
        validate=validate.OneOf(["full", "partial", "none"]), metadata={"description": "Online level"}
    )


class StatisticsArgsSchema(IndicatorsArgsSchema):
    group_by = fields.String(validate=validate.OneOf(list(GROUPS)), metadata={"description": "One row per group."})


class RankingArgsSchema(IndicatorsArgsSchema):
    by = fields.String(
        validate=validate.OneOf(BY),
        metadata={"description": "agency (units directly under the province, default) or unit (receiving unit)."},
    )
    indicator = fields.String(
        validate=validate.OneOf(SCORED_BY_UNIT),
        metadata={"description": "Rank by this indicator's rate instead of the share of points earned."},
    )
    kind = fields.String(
        validate=validate.OneOf(UNIT_KINDS),
        metadata={"description": "Rank units of this kind among themselves (commune: communes, wards, zones)."},
    )


class PeriodSchema(Schema):
    kind = fields.String()
    label = fields.String()
    first_day = fields.Date()
    last_day = fields.Date()


DESCRIPTIONS = {
    "carried_over": "Received before the period and not finished, withdrawn or stopped when it began.",
    "received": "Received (taken in, the clock started) in the period; then by channel.",
    "received_counter": "At the counter.",
    "received_online": "Submitted online and taken in.",
    "received_postal": "By post.",
    "resolved": "Finished (result ready, status 9) in the period; then early, on time, late.",
    "resolved_early": "Finished before the due day.",
    "resolved_on_time": "Finished on the due day.",
    "resolved_late": "Finished after the due day, or asked for a supplement twice or more after intake.",
    "pending": "Received and not finished, withdrawn or stopped when the period ended.",
    "pending_within_due": "Of those, not yet due when the period ended, or waiting for the one supplement asked "
    "before they were due.",
    "pending_past_due": "Of those, due before the period ended (or asked for a supplement twice or more).",
    "withdrawn": "Withdrawn by the applicant in the period.",
    "stopped": "Processing stopped in the period.",
    "refused": "Refused at intake in the period.",
    "supplement_rounds": "Supplements asked after intake of the dossiers resolved in the period.",
}
assert set(DESCRIPTIONS) == set(COUNTS)

StatisticsRowSchema = type(
    "StatisticsRowSchema",
    (Schema,),
    {
        "key": fields.Raw(
            allow_none=True, metadata={"description": "The group (a unit id, field, code…); null in total."}
        ),
        **{name: fields.Integer(metadata={"description": DESCRIPTIONS[name]}) for name in COUNTS},
        "on_time_rate": fields.Float(
            allow_none=True, metadata={"description": "Resolved early or on time, % of resolved; null when none."}
        ),
        "average_processing_time": fields.Float(
            allow_none=True,
            metadata={
                "description": "Of the resolved, from intake to the result less supplement pauses, in time_unit "
                "(grouped by procedure); null when none was measured."
            },
        ),
        "time_unit": fields.String(
            allow_none=True, metadata={"description": "hours, days, working_days or months: the procedure's."}
        ),
    },
)


class StatisticsSchema(Schema):
    period = fields.Nested(PeriodSchema)
    group_by = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(StatisticsRowSchema))
    total = fields.Nested(StatisticsRowSchema)


class IndicatorSchema(Schema):
    id = fields.String(metadata={"description": "The QĐ 766 number, e.g. 2.1."})
    group = fields.Integer()
    name = fields.String()
    value = fields.Float(allow_none=True, metadata={"description": "The rate in %, two decimals; null when N/A."})
    numerator = fields.Integer(allow_none=True)
    denominator = fields.Integer(allow_none=True)
    threshold = fields.Integer(allow_none=True, metadata={"description": "The rate (%) that earns full points."})
    points = fields.Decimal(as_string=True, allow_none=True, metadata={"description": "Null: tracked, not scored."})
    score = fields.Decimal(as_string=True, allow_none=True)
    status = fields.String(metadata={"description": "computed, not_applicable (zero denominator), not_recorded."})
    why = fields.String(allow_none=True, metadata={"description": "What the platform needs to compute it."})


class GroupScoreSchema(Schema):
    group = fields.Integer()
    name = fields.String()
    maximum = fields.Integer(metadata={"description": "The group's points in QĐ 766."})
    score = fields.Decimal(as_string=True, allow_none=True)
    scored_points = fields.Decimal(as_string=True, metadata={"description": "Of the maximum, what could be scored."})


class ProcessingTimeSchema(Schema):
    procedure = fields.String()
    average = fields.Float(metadata={"description": "Intake to result, less supplement pauses, in time_unit."})
    time_unit = fields.String()
    time_limit = fields.Integer(allow_none=True, metadata={"description": "The published limit now, in time_unit."})
    measured = fields.Integer(metadata={"description": "Dossiers averaged."})


class ScorecardSchema(Schema):
    period = fields.Nested(PeriodSchema)
    indicators = fields.List(fields.Nested(IndicatorSchema))
    groups = fields.List(fields.Nested(GroupScoreSchema))
    score = fields.Decimal(as_string=True, allow_none=True)
    scored_points = fields.Decimal(as_string=True)
    score_percent = fields.Float(allow_none=True, metadata={"description": "score of scored_points, in %."})
    processing_times = fields.List(fields.Nested(ProcessingTimeSchema), metadata={"description": "Indicator 2.2."})


class RankedUnitSchema(Schema):
    unit_id = fields.Integer()
    name = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    value = fields.Float(allow_none=True, metadata={"description": "What it is ranked by (% of points, or a rate)."})
    previous_value = fields.Float(allow_none=True)
    change = fields.Float(allow_none=True)
    rank = fields.Integer(allow_none=True)
    previous_rank = fields.Integer(allow_none=True)
    rank_change = fields.Integer(allow_none=True, metadata={"description": "Positive: moved up."})
    score = fields.Decimal(as_string=True, allow_none=True)
    scored_points = fields.Decimal(as_string=True)
    indicators = fields.Dict(keys=fields.String(), values=fields.Float(allow_none=True))


class RankingSchema(Schema):
    period = fields.Nested(PeriodSchema)
    previous_period = fields.Nested(PeriodSchema, allow_none=True)
    by = fields.String()
    indicator = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(RankedUnitSchema))


class TargetsArgsSchema(Schema):
    year = fields.Integer(required=True, validate=validate.Range(2000, 2099))


class TargetEntrySchema(Schema):
    metric = fields.String(required=True, validate=validate.OneOf(METRICS))
    unit_id = fields.Integer(
        allow_none=True, metadata={"description": "A unit (and those below it); leave out for the province."}
    )
    target = fields.Decimal(required=True, places=2, metadata={"description": "The rate (%) to reach by 31 December."})
    baseline = fields.Decimal(allow_none=True, places=2, metadata={"description": "Where the plan started (%)."})


class TargetsBodySchema(Schema):
    targets = fields.List(fields.Nested(TargetEntrySchema), required=True)


class MonthValueSchema(Schema):
    month = fields.Integer()
    value = fields.Float(allow_none=True)


class UnitProgressSchema(Schema):
    unit_id = fields.Integer()
    name = fields.String(allow_none=True)
    value = fields.Float(allow_none=True)
    projected = fields.Float(allow_none=True)
    on_track = fields.Boolean(allow_none=True)


class TargetProgressSchema(Schema):
    metric = fields.String()
    indicator = fields.String(metadata={"description": "The QĐ 766 indicator it is measured by."})
    unit_id = fields.Integer(allow_none=True)
    unit_name = fields.String(allow_none=True)
    target = fields.Decimal(as_string=True)
    baseline = fields.Decimal(as_string=True, allow_none=True)
    value = fields.Float(allow_none=True, metadata={"description": "The year to date, in %."})
    projected = fields.Float(
        allow_none=True, metadata={"description": "At 31 December if the monthly trend holds, in %."}
    )
    on_track = fields.Boolean(allow_none=True)
    months = fields.List(fields.Nested(MonthValueSchema))
    units = fields.List(fields.Nested(UnitProgressSchema), metadata={"description": "A province target's agencies."})


class TargetsSchema(Schema):
    year = fields.Integer()
    as_of = fields.Date(allow_none=True)
    targets = fields.List(fields.Nested(TargetProgressSchema))


class ReportSettingsSchema(Schema):
    enabled = fields.Boolean(required=True, metadata={"description": "Whether the weekly schedule runs."})
    weekday = fields.Integer(required=True, metadata={"description": "0 Monday … 6 Sunday (default 4, Friday)."})
    hour = fields.Integer(required=True, metadata={"description": "Hour of the day, Vietnam time (default 10)."})
    recipients = fields.List(
        fields.String(validate=validate.Length(max=254)),
        required=True,
        metadata={"description": "E-mail addresses told that a report is ready (at most 20)."},
    )


class ReportSchema(Schema):
    id = fields.Integer()
    first_day = fields.Date()
    last_day = fields.Date()
    made_by = fields.String()
    created_at = fields.DateTime()


class ReportListSchema(Schema):
    reports = fields.List(fields.Nested(ReportSchema))


class MakeReportArgsSchema(Schema):
    run_day = fields.Date(
        metadata={
            "description": "A report day on the province's weekday, at the latest the last one that has come "
            "(the default); the report covers the seven days before it."
        }
    )
