"""statistics by event and kept months: an index of when each dossier ended, a small one of the dossiers open
now and one of those finished without their result file, so that a period's numbers are read from index-only
parts (received, ended, refused, open at the end) instead of re-reading every dossier open at its start; the
open span bounded '(]' (a dossier is open at an instant from just after its intake until its end, inclusive);
each finished month's counts kept, and a trigger that forgets a kept month when a write dated before the
current month changes its dossiers (docs/decisions/0041-statistics-by-event-and-kept-months.md)

Revision ID: a6d2e9c4b7f1
Revises: e8a3c5d1f702
Create Date: 2026-12-07 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a6d2e9c4b7f1"
down_revision: str | None = "e8a3c5d1f702"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# motcua_onestop.dossiers.models: ENDED_AT, REPORT_SPAN (before and after), ENDED, OPEN, RESULT_MISSING, REPORT_COLUMNS,
# OPEN_REPORT_COLUMNS
ENDED_AT = (
    "CASE WHEN coalesce(finished_at, closed_at) IS NOT NULL"
    " THEN greatest(received_at, coalesce(finished_at, closed_at)) END"
)
SPAN = "tstzrange(received_at, " + ENDED_AT + ", '{bounds}')"
ENDED = "received_at IS NOT NULL AND COALESCE(finished_at, closed_at) IS NOT NULL"
OPEN = "received_at IS NOT NULL AND finished_at IS NULL AND closed_at IS NULL"
RESULT_MISSING = "finished_at IS NOT NULL AND NOT has_result_file"
INCLUDE = (
    "received_at, receiving_unit_id, procedure_id, channel, finished_at, closed_at, closed_status, supplement_rounds,"
    " report_due_at, paused_at, has_digitised_components, has_result_file, processing_time"
)
OPEN_INCLUDE = "received_at, procedure_id, channel, supplement_rounds, report_due_at, paused_at"
# motcua_onestop.statistics.models.KEPT_COUNTS
KEPT_COUNTS = (
    "ended",
    "received",
    "received_counter",
    "received_online",
    "received_postal",
    "received_with_digitised",
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
    "stopped_on_time",
    "resolved_result_required",
    "resolved_result_file",
    "processing_time_measured",
)
# A dossier's events are its intake, its end and its closing; a kept month's counts change when an event of
# that month, or an earlier one (the months after it count the dossier as open until its end), is written,
# moved or deleted, or when a dossier changes unit, procedure or channel. Writes of the current month (every
# write the services make, at the time they make it) forget nothing; the INSERT trigger is not even called
# for them, nor the UPDATE trigger for a dossier received this month. The advisory lock orders a forgetting
# write against statistics.kept.keep_month, which takes it too. The months are named in the dossiers' own
# schema, whatever the writing session's search path (a cleanup that names the schema).
FORGET = """
CREATE FUNCTION statistics_forget_months() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    this_month timestamptz := date_trunc('month', now() AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh';
    earliest timestamptz;
BEGIN
    IF TG_OP = 'INSERT' THEN
        earliest := least(NEW.received_at, NEW.finished_at, NEW.closed_at);
    ELSIF TG_OP = 'DELETE' THEN
        earliest := least(OLD.received_at, OLD.finished_at, OLD.closed_at);
    ELSIF (OLD.receiving_unit_id, OLD.procedure_id, OLD.channel)
            IS DISTINCT FROM (NEW.receiving_unit_id, NEW.procedure_id, NEW.channel) THEN
        earliest := least(OLD.received_at, OLD.finished_at, OLD.closed_at, NEW.received_at, NEW.finished_at, NEW.closed_at);
    ELSE
        IF OLD.received_at IS DISTINCT FROM NEW.received_at THEN
            earliest := least(earliest, OLD.received_at, NEW.received_at);
        END IF;
        IF OLD.finished_at IS DISTINCT FROM NEW.finished_at THEN
            earliest := least(earliest, OLD.finished_at, NEW.finished_at);
        END IF;
        IF OLD.closed_at IS DISTINCT FROM NEW.closed_at OR OLD.closed_status IS DISTINCT FROM NEW.closed_status THEN
            earliest := least(earliest, OLD.closed_at, NEW.closed_at);
        END IF;
    END IF;
    IF earliest < this_month THEN
        PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_SCHEMA || '.statistics_kept_months'));
        EXECUTE format('DELETE FROM %I.statistics_kept_months WHERE first_day >= $1', TG_TABLE_SCHEMA)
        USING (date_trunc('month', earliest AT TIME ZONE 'Asia/Ho_Chi_Minh'))::date;
    END IF;
    RETURN NULL;
END
$$
"""
THIS_MONTH = "date_trunc('month', now() AT TIME ZONE 'Asia/Ho_Chi_Minh') AT TIME ZONE 'Asia/Ho_Chi_Minh'"
EVENT_COLUMNS = "received_at, finished_at, closed_at, closed_status, receiving_unit_id, procedure_id, channel"
# an update calls the function only when a time it holds, before or after, is before the current month
EVENT_TIMES = "OLD.received_at, OLD.finished_at, OLD.closed_at, NEW.received_at, NEW.finished_at, NEW.closed_at"


def upgrade() -> None:
    op.execute(f"CREATE INDEX ix_dossiers_ended_at ON dossiers (({ENDED_AT})) INCLUDE ({INCLUDE}) WHERE {ENDED}")
    op.execute(f"CREATE INDEX ix_dossiers_open ON dossiers (receiving_unit_id) INCLUDE ({OPEN_INCLUDE}) WHERE {OPEN}")
    op.execute(
        "CREATE INDEX ix_dossiers_result_missing ON dossiers (received_at)"
        f" INCLUDE (receiving_unit_id, procedure_id, channel, finished_at, has_digitised_components) WHERE {RESULT_MISSING}"
    )
    _span("(]")
    op.create_table(
        "statistics_kept_months",
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("first_day", name=op.f("pk_statistics_kept_months")),
    )
    op.create_table(
        "statistics_month_counts",
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("receiving_unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in KEPT_COUNTS),
        sa.Column("processing_time_sum", sa.Numeric(14, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_day"],
            ["statistics_kept_months.first_day"],
            name=op.f("fk_statistics_month_counts_first_day_statistics_kept_months"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "first_day", "receiving_unit_id", "procedure_id", "channel", name=op.f("pk_statistics_month_counts")
        ),
    )
    op.execute(FORGET)
    op.execute(
        "CREATE TRIGGER statistics_forget_months_inserted AFTER INSERT ON dossiers FOR EACH ROW"
        f" WHEN (least(NEW.received_at, NEW.finished_at, NEW.closed_at) < {THIS_MONTH})"
        " EXECUTE FUNCTION statistics_forget_months()"
    )
    op.execute(
        f"CREATE TRIGGER statistics_forget_months_changed AFTER UPDATE OF {EVENT_COLUMNS} ON dossiers FOR EACH ROW"
        f" WHEN (least({EVENT_TIMES}) < {THIS_MONTH}) EXECUTE FUNCTION statistics_forget_months()"
    )
    op.execute(
        "CREATE TRIGGER statistics_forget_months_deleted AFTER DELETE ON dossiers FOR EACH ROW"
        f" WHEN (least(OLD.received_at, OLD.finished_at, OLD.closed_at) < {THIS_MONTH})"
        " EXECUTE FUNCTION statistics_forget_months()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER statistics_forget_months_deleted ON dossiers")
    op.execute("DROP TRIGGER statistics_forget_months_changed ON dossiers")
    op.execute("DROP TRIGGER statistics_forget_months_inserted ON dossiers")
    op.execute("DROP FUNCTION statistics_forget_months()")
    op.drop_table("statistics_month_counts")
    op.drop_table("statistics_kept_months")
    _span("[)")
    op.execute("DROP INDEX ix_dossiers_result_missing")
    op.execute("DROP INDEX ix_dossiers_open")
    op.execute("DROP INDEX ix_dossiers_ended_at")


def _span(bounds: str) -> None:
    op.execute("DROP INDEX ix_dossiers_open_span")
    span = SPAN.format(bounds=bounds)
    op.execute(f"CREATE INDEX ix_dossiers_open_span ON dossiers USING gist (({span})) WHERE received_at IS NOT NULL")
