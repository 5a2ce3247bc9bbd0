"""trigram extension: pg_trgm, in its own schema ``extensions``, where the server ships it (every
packaged PostgreSQL does; the embedded demo server does not). Tenant migrations index the catalogue's
search text with it; without it the same search scans the catalogue.

Revision ID: e2b7c4a9f013
Revises: e4b7c2a9d130
Create Date: 2026-12-06 08:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e2b7c4a9f013"
down_revision: str | None = "e4b7c2a9d130"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # pg_trgm is a trusted extension: a database owner may create it without being a superuser. A user
    # without that right gets a notice, and searches scan instead of using the index.
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
                CREATE SCHEMA IF NOT EXISTS extensions;
                -- tenant roles build their schema's indexes with its operator classes
                GRANT USAGE ON SCHEMA extensions TO PUBLIC;
                CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pg_trgm not installed (%); catalogue searches will scan', SQLERRM;
        END
        $$
        """
    )


def downgrade() -> None:
    # Tenant schemas above their trigram revision still index with it: then it stays.
    op.execute(
        """
        DO $$
        BEGIN
            DROP EXTENSION IF EXISTS pg_trgm;
        EXCEPTION WHEN dependent_objects_still_exist THEN
            RAISE NOTICE 'pg_trgm kept: tenant indexes use it';
        END
        $$
        """
    )
