"""statistics kept periods: the kept counts are of periods (a finished month, or the month in progress up to
today), named by their first day and the day after their last, so that the month in progress adds up the month
so far and reads only today from the dossiers; the trigger forgets every kept period that ends after the day of
the earliest event a back-dated write adds, moves or deletes, and is called for writes dated before today
instead of before the current month (docs/decisions/0042-statistics-kept-month-so-far.md). The kept months are
counts the hourly job makes again from the dossiers, so their tables are replaced, not renamed.

Revision ID: b3f8c1d6e2a9
Revises: a6d2e9c4b7f1
Create Date: 2026-12-07 07:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3f8c1d6e2a9"
down_revision: str | None = "a6d2e9c4b7f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the counts revision a6d2e9c4b7f1 kept per month
MONTH_COUNTS = (
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
# motcua_onestop.statistics.models.KEPT_COUNTS: besides, the intake counts as of the kept period's own end
KEPT_COUNTS = (*MONTH_COUNTS, "received_online_complete", "received_digitised")
ZONE = "'Asia/Ho_Chi_Minh'"
# A dossier's events are its intake, its end and its closing; a kept period's counts change when an event in
# it, or an earlier one (the periods after it count the dossier as open until its end), is written, moved or
# deleted, or when a dossier changes unit, procedure or channel. Writes dated today (every write the services
# make, at the time they make it) forget nothing: the INSERT trigger is not even called for them, nor the
# UPDATE trigger for a dossier received today. The advisory lock orders a forgetting write against
# statistics.kept.keep, which takes it too. The periods are named in the dossiers' own schema, whatever the
# writing session's search path (a cleanup that names the schema).
FORGET = """
CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    since timestamptz := {since};
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
    IF earliest < since THEN
        PERFORM pg_advisory_xact_lock(hashtext(TG_TABLE_SCHEMA || '.{table}'));
        EXECUTE format('DELETE FROM %I.{table} WHERE {forgotten}', TG_TABLE_SCHEMA)
        USING ({day})::date;
    END IF;
    RETURN NULL;
END
$$
"""
TODAY = f"date_trunc('day', now() AT TIME ZONE {ZONE}) AT TIME ZONE {ZONE}"
THIS_MONTH = f"date_trunc('month', now() AT TIME ZONE {ZONE}) AT TIME ZONE {ZONE}"
EVENT_COLUMNS = "received_at, finished_at, closed_at, closed_status, receiving_unit_id, procedure_id, channel"
# an update calls the function only when a time it holds, before or after, is before today
EVENT_TIMES = "OLD.received_at, OLD.finished_at, OLD.closed_at, NEW.received_at, NEW.finished_at, NEW.closed_at"
TRIGGERS = ("inserted", "changed", "deleted")


def upgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER statistics_forget_months_{name} ON dossiers")
    op.execute("DROP FUNCTION statistics_forget_months()")
    op.drop_table("statistics_month_counts")
    op.drop_table("statistics_kept_months")
    op.create_table(
        "statistics_kept_periods",
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_day > first_day", name=op.f("ck_statistics_kept_periods_days")),
        sa.PrimaryKeyConstraint("first_day", "end_day", name=op.f("pk_statistics_kept_periods")),
    )
    op.create_table(
        "statistics_period_counts",
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("receiving_unit_id", sa.Integer(), nullable=False),
        sa.Column("procedure_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in KEPT_COUNTS),
        sa.Column("processing_time_sum", sa.Numeric(14, 2), nullable=False),
        sa.ForeignKeyConstraint(
            ["first_day", "end_day"],
            ["statistics_kept_periods.first_day", "statistics_kept_periods.end_day"],
            name=op.f("fk_statistics_period_counts_first_day_statistics_kept_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "first_day",
            "end_day",
            "receiving_unit_id",
            "procedure_id",
            "channel",
            name=op.f("pk_statistics_period_counts"),
        ),
    )
    op.execute(
        FORGET.format(
            function="statistics_forget_periods",
            since=TODAY,
            table="statistics_kept_periods",
            forgotten="end_day > $1",
            day=f"earliest AT TIME ZONE {ZONE}",
        )
    )
    _triggers("statistics_forget_periods", TODAY)


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER statistics_forget_periods_{name} ON dossiers")
    op.execute("DROP FUNCTION statistics_forget_periods()")
    op.drop_table("statistics_period_counts")
    op.drop_table("statistics_kept_periods")
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
        *(sa.Column(name, sa.Integer(), nullable=False) for name in MONTH_COUNTS),
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
    op.execute(  # as revision a6d2e9c4b7f1 made it
        FORGET.format(
            function="statistics_forget_months",
            since=THIS_MONTH,
            table="statistics_kept_months",
            forgotten="first_day >= $1",
            day=f"date_trunc('month', earliest AT TIME ZONE {ZONE})",
        )
    )
    _triggers("statistics_forget_months", THIS_MONTH)


def _triggers(function: str, since: str) -> None:
    op.execute(
        f"CREATE TRIGGER {function}_inserted AFTER INSERT ON dossiers FOR EACH ROW"
        f" WHEN (least(NEW.received_at, NEW.finished_at, NEW.closed_at) < {since})"
        f" EXECUTE FUNCTION {function}()"
    )
    op.execute(
        f"CREATE TRIGGER {function}_changed AFTER UPDATE OF {EVENT_COLUMNS} ON dossiers FOR EACH ROW"
        f" WHEN (least({EVENT_TIMES}) < {since}) EXECUTE FUNCTION {function}()"
    )
    op.execute(
        f"CREATE TRIGGER {function}_deleted AFTER DELETE ON dossiers FOR EACH ROW"
        f" WHEN (least(OLD.received_at, OLD.finished_at, OLD.closed_at) < {since})"
        f" EXECUTE FUNCTION {function}()"
    )
