"""usage claims as ledger regions

Revision ID: e4b7c2a9d130
Revises: d5a2f7c91e34
Create Date: 2026-12-06 07:30:00.000000

A finalized invoice line claims its usage with one ``billing_usage_claims`` row (a tenant, a metric, the
line's service window and a range of event ids) instead of writing ``invoice_line_id`` on every event it
counts; the ledger becomes strictly append-only (docs/decisions/0030-usage-claims-as-ledger-regions.md).
The claims already made are converted, and the conversion is checked event by event before the column goes.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e4b7c2a9d130"
down_revision: str | None = "d5a2f7c91e34"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Claims of one tenant and metric never overlap (window and event ids both), whoever writes them. The
# per-tenant lock is the one finalize and void take (motcua_billing.usage.claims.CLAIMS_LOCK), so the check
# below sees every claim committed before ours; PL/pgSQL takes a fresh snapshot for it after the lock.
REFUSE_OVERLAP = """
CREATE FUNCTION control.billing_usage_claims_disjoint() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('motcua-billing-claims'), CAST(NEW.tenant_id AS integer));
    IF EXISTS (
        SELECT 1 FROM control.billing_usage_claims c
        WHERE c.id <> NEW.id AND c.tenant_id = NEW.tenant_id AND c.metric_code = NEW.metric_code
          AND c.occurred_from < NEW.occurred_before AND c.occurred_before > NEW.occurred_from
          AND c.after_event_id < NEW.through_event_id AND NEW.after_event_id < c.through_event_id
    ) THEN
        RAISE EXCEPTION 'billing_usage_claims: claim of % events of tenant % overlaps another claim',
            NEW.metric_code, NEW.tenant_id USING ERRCODE = 'exclusion_violation';
    END IF;
    RETURN NEW;
END
$$
"""

# Each line's claimed events as one region: its service window, ids from its first to its last event.
BACKFILL = """
INSERT INTO control.billing_usage_claims
    (invoice_line_id, tenant_id, metric_code, occurred_from, occurred_before, after_event_id, through_event_id,
     events, quantity, peak)
SELECT l.id, e.tenant_id, e.metric_code,
       l.service_start::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh',
       l.service_end::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh',
       min(e.id) - 1, max(e.id), count(*), sum(e.quantity), max(e.quantity)
FROM control.billing_usage_events e
JOIN control.billing_invoice_lines l ON l.id = e.invoice_line_id
GROUP BY l.id, e.tenant_id, e.metric_code, l.service_start, l.service_end
ORDER BY l.id
"""

# The regions must hold exactly the events that were claimed, each by its own line; otherwise stop.
CHECK_BACKFILL = """
DO $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM control.billing_usage_events e JOIN control.billing_usage_claims c
          ON c.tenant_id = e.tenant_id AND c.metric_code = e.metric_code
          AND c.occurred_from <= e.occurred_at AND c.occurred_before > e.occurred_at
          AND c.after_event_id < e.id AND c.through_event_id >= e.id
        WHERE e.invoice_line_id IS DISTINCT FROM c.invoice_line_id
    ) OR (SELECT count(*) FROM control.billing_usage_events WHERE invoice_line_id IS NOT NULL)
         <> (SELECT coalesce(sum(events), 0) FROM control.billing_usage_claims) THEN
        RAISE EXCEPTION 'usage claims cannot be converted to regions exactly; see docs/decisions/0030';
    END IF;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "billing_usage_claims",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("invoice_line_id", sa.BigInteger(), nullable=False),
        sa.Column("tenant_id", sa.BigInteger(), nullable=False),
        sa.Column("metric_code", sa.String(length=64), nullable=False),
        sa.Column("occurred_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("occurred_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("after_event_id", sa.BigInteger(), nullable=False),
        sa.Column("through_event_id", sa.BigInteger(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=30, scale=6), nullable=False),
        sa.Column("peak", sa.Numeric(precision=20, scale=6), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("occurred_from < occurred_before", name=op.f("ck_billing_usage_claims_window")),
        sa.CheckConstraint(
            "after_event_id >= 0 AND after_event_id <= through_event_id", name=op.f("ck_billing_usage_claims_event_ids")
        ),
        sa.CheckConstraint("events >= 0 AND quantity >= 0 AND peak >= 0", name=op.f("ck_billing_usage_claims_totals")),
        sa.ForeignKeyConstraint(
            ["invoice_line_id"],
            ["control.billing_invoice_lines.id"],
            name=op.f("fk_billing_usage_claims_invoice_line_id_billing_invoice_lines"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_usage_claims")),
        sa.UniqueConstraint("invoice_line_id", name=op.f("uq_billing_usage_claims_invoice_line_id")),
        schema="control",
    )
    op.create_index(
        "ix_billing_usage_claims_window",
        "billing_usage_claims",
        ["tenant_id", "metric_code", "occurred_from"],
        schema="control",
    )
    op.execute(REFUSE_OVERLAP)
    op.execute(
        "CREATE TRIGGER billing_usage_claims_disjoint BEFORE INSERT OR UPDATE ON control.billing_usage_claims "
        "FOR EACH ROW EXECUTE FUNCTION control.billing_usage_claims_disjoint()"
    )
    # No claim may be made or released while converting (finalize and void take this lock too).
    op.execute("LOCK TABLE control.billing_usage_events IN SHARE MODE")
    op.execute(BACKFILL)
    op.execute(CHECK_BACKFILL)
    op.drop_index(
        "ix_billing_usage_events_unclaimed",
        table_name="billing_usage_events",
        schema="control",
        postgresql_where=sa.text("invoice_line_id IS NULL"),
    )
    op.drop_index(
        "ix_billing_usage_events_line",
        table_name="billing_usage_events",
        schema="control",
        postgresql_where=sa.text("invoice_line_id IS NOT NULL"),
    )
    op.drop_column("billing_usage_events", "invoice_line_id", schema="control")
    # Nothing updates an event any more: the claims' regions rely on ids and times never changing.
    op.execute("DROP TRIGGER billing_usage_events_append_only ON control.billing_usage_events")
    op.execute(
        "CREATE TRIGGER billing_usage_events_append_only BEFORE UPDATE OR DELETE ON control.billing_usage_events "
        "FOR EACH ROW EXECUTE FUNCTION control.billing_usage_events_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER billing_usage_events_append_only ON control.billing_usage_events")
    op.execute(
        "CREATE TRIGGER billing_usage_events_append_only "
        "BEFORE UPDATE OF tenant_id, metric_code, quantity, occurred_at OR DELETE ON control.billing_usage_events "
        "FOR EACH ROW EXECUTE FUNCTION control.billing_usage_events_append_only()"
    )
    op.add_column(
        "billing_usage_events", sa.Column("invoice_line_id", sa.BigInteger(), nullable=True), schema="control"
    )
    op.execute(
        "UPDATE control.billing_usage_events e SET invoice_line_id = c.invoice_line_id "
        "FROM control.billing_usage_claims c "
        "WHERE c.tenant_id = e.tenant_id AND c.metric_code = e.metric_code "
        "AND c.occurred_from <= e.occurred_at AND c.occurred_before > e.occurred_at "
        "AND c.after_event_id < e.id AND c.through_event_id >= e.id"
    )
    op.create_index(
        "ix_billing_usage_events_line",
        "billing_usage_events",
        ["invoice_line_id"],
        schema="control",
        postgresql_where=sa.text("invoice_line_id IS NOT NULL"),
    )
    op.create_index(
        "ix_billing_usage_events_unclaimed",
        "billing_usage_events",
        ["tenant_id", "occurred_at"],
        schema="control",
        postgresql_where=sa.text("invoice_line_id IS NULL"),
    )
    op.drop_table("billing_usage_claims", schema="control")
    op.execute("DROP FUNCTION control.billing_usage_claims_disjoint()")
