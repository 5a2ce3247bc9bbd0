from marshmallow import fields, validate
from motcua_platform.web.schema import Schema

from motcua_onestop.statistics.periods import KINDS
from motcua_onestop.statistics.services import COUNTS, GROUPS


class StatisticsArgsSchema(Schema):
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
    group_by = fields.String(validate=validate.OneOf(list(GROUPS)), metadata={"description": "One row per group."})
    unit_id = fields.Integer(metadata={"description": "Only this unit and the units below it (within yours)."})
    field = fields.String(validate=validate.Length(max=200))
    procedure = fields.String(validate=validate.Length(max=40), metadata={"description": "A procedure code."})
    channel = fields.String(validate=validate.OneOf(["counter", "online", "postal"]))
    level = fields.String(
        validate=validate.OneOf(["full", "partial", "none"]), metadata={"description": "Online level"}
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
    "pending_within_due": "Of those, not yet due when the period ended.",
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
    },
)


class StatisticsSchema(Schema):
    period = fields.Nested(PeriodSchema)
    group_by = fields.String(allow_none=True)
    rows = fields.List(fields.Nested(StatisticsRowSchema))
    total = fields.Nested(StatisticsRowSchema)
