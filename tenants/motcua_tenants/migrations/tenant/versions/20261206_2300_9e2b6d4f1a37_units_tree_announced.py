"""units tree announced: every statement that adds, removes or re-parents units notifies ``motcua_auth``, the
channel on which every process empties its principal cache, so the units below an officer's (cached with
the principal) are read again everywhere once the change commits, whoever wrote it
(docs/decisions/0037-inbox-scope-kept-with-the-principal.md)

Revision ID: 9e2b6d4f1a37
Revises: 7d3a9c1e5b42
Create Date: 2026-12-06 23:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "9e2b6d4f1a37"
down_revision: str | None = "7d3a9c1e5b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The channel is motcua_platform.auth.principal_cache.CHANNEL (a migration keeps the value it was written with).
FUNCTION = """
CREATE FUNCTION units_tree_announce() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('motcua_auth', '');
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.execute(FUNCTION)
    # per statement, not per row: one notification however many units a statement changes (PostgreSQL also
    # folds identical notifications of one transaction into one)
    op.execute(
        "CREATE TRIGGER units_tree_announce AFTER INSERT OR DELETE OR UPDATE OF parent_id OR TRUNCATE ON units "
        "FOR EACH STATEMENT EXECUTE FUNCTION units_tree_announce()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER units_tree_announce ON units")
    op.execute("DROP FUNCTION units_tree_announce()")
