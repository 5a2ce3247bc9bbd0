"""usage daily roll-up

Revision ID: d91f3a6b2c47
Revises: c3e8a1f0b7d2
Create Date: 2026-12-06 05:00:00.000000

The usage ledger added up per tenant, metric and Vietnamese calendar day, kept by the database in the
statement that inserts the events, and backfilled from the events already there
(docs/decisions/0028-usage-daily-roll-up.md).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d91f3a6b2c47"
down_revision: str | None = "c3e8a1f0b7d2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The day is cut in Vietnam's time zone, like every billing period (motcua_billing.rating.periods), so a
# period's days hold exactly its events. Ordered so that two batches touching the same days lock their rows
# in the same order (no deadlock).
ADD_INSERTED = """
CREATE FUNCTION control.billing_usage_daily_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO control.billing_usage_daily AS d (tenant_id, metric_code, day, events, quantity, peak)
    SELECT tenant_id, metric_code, (occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date,
           count(*), sum(quantity), max(quantity)
    FROM inserted
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (tenant_id, metric_code, day) DO UPDATE
        SET events = d.events + excluded.events,
            quantity = d.quantity + excluded.quantity,
            peak = greatest(d.peak, excluded.peak);
    RETURN NULL;
END
$$
"""

# The ledger is append-only; the roll-up relies on it (a peak cannot be taken back). Claiming events for an
# invoice line (invoice_line_id) is the one change allowed.
REFUSE_CHANGE = """
CREATE FUNCTION control.billing_usage_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'billing_usage_events is append-only: % of a counted event refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "billing_usage_daily",
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("metric_code", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=30, scale=6), nullable=False),
        sa.Column("peak", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.CheckConstraint("events > 0 AND quantity >= 0 AND peak >= 0", name=op.f("ck_billing_usage_daily_totals")),
        sa.PrimaryKeyConstraint("tenant_id", "metric_code", "day", name=op.f("pk_billing_usage_daily")),
        schema="control",
    )
    op.execute(ADD_INSERTED)
    op.execute(REFUSE_CHANGE)
    # CREATE TRIGGER locks the ledger against inserts until this migration commits, and waits for those
    # under way: the backfill below then sees every event not counted by the trigger, none twice.
    op.execute(
        "CREATE TRIGGER billing_usage_daily_add AFTER INSERT ON control.billing_usage_events "
        "REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION control.billing_usage_daily_add()"
    )
    op.execute(
        "CREATE TRIGGER billing_usage_events_append_only "
        "BEFORE UPDATE OF tenant_id, metric_code, quantity, occurred_at OR DELETE ON control.billing_usage_events "
        "FOR EACH ROW EXECUTE FUNCTION control.billing_usage_events_append_only()"
    )
    op.execute(
        "INSERT INTO control.billing_usage_daily (tenant_id, metric_code, day, events, quantity, peak) "
        "SELECT tenant_id, metric_code, (occurred_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, "
        "count(*), sum(quantity), max(quantity) FROM control.billing_usage_events GROUP BY 1, 2, 3"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER billing_usage_events_append_only ON control.billing_usage_events")
    op.execute("DROP TRIGGER billing_usage_daily_add ON control.billing_usage_events")
    op.execute("DROP FUNCTION control.billing_usage_events_append_only()")
    op.execute("DROP FUNCTION control.billing_usage_daily_add()")
    op.drop_table("billing_usage_daily", schema="control")
