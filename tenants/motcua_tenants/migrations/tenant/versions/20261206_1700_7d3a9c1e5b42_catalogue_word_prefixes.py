"""catalogue word prefixes: every prefix of every word of the folded text in an array with a GIN index, so a
search is one containment test answered by exact index keys (``search_prefixes @> {dang,ky,…}``) on every
server, with or without pg_trgm; the trigram index is dropped
(docs/decisions/0035-search-by-word-prefixes.md)

Revision ID: 7d3a9c1e5b42
Revises: 5c8e1f7a2d64
Create Date: 2026-12-06 17:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7d3a9c1e5b42"
down_revision: str | None = "5c8e1f7a2d64"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# What catalogue.services.word_prefixes computes for a row written before this revision.
BACKFILL = """
UPDATE procedures SET search_prefixes = ARRAY(
    SELECT DISTINCT left(word, n) COLLATE "C" AS prefix
    FROM regexp_split_to_table(btrim(search_text), ' +') AS word, generate_series(1, length(word)) AS n
    WHERE word <> ''
    ORDER BY prefix
)
"""
TRIGRAM_SCHEMA = (
    "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
    "WHERE e.extname = 'pg_trgm'"
)


def upgrade() -> None:
    op.add_column(
        "procedures",
        sa.Column("search_prefixes", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
    )
    op.execute(BACKFILL)
    op.alter_column("procedures", "search_prefixes", server_default=None)  # rows are written with theirs
    # fastupdate off: no pending list for every search to scan until a vacuum merges it
    op.create_index(
        "ix_procedures_search_prefixes",
        "procedures",
        ["search_prefixes"],
        unique=False,
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    )
    op.execute("DROP INDEX IF EXISTS ix_procedures_search_text")


def downgrade() -> None:
    schema = op.get_bind().scalar(sa.text(TRIGRAM_SCHEMA))
    if schema is not None:
        op.execute(
            f"CREATE INDEX ix_procedures_search_text ON procedures USING gin (search_text {schema}.gin_trgm_ops)"
        )
    op.drop_index("ix_procedures_search_prefixes", table_name="procedures", postgresql_using="gin")
    op.drop_column("procedures", "search_prefixes")
