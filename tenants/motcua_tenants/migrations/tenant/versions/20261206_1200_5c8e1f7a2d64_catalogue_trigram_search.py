"""catalogue trigram search: every word of a search must start a word of the folded text, written as
one ``search_text LIKE '% word%'`` per word and answered by a trigram index where the database has
pg_trgm (control revision e2b7c4a9f013); the word-prefix tsvector column and its GIN index are dropped
(docs/decisions/0034-search-statement-and-trigram-index.md)

Revision ID: 5c8e1f7a2d64
Revises: b5e1c7d94a20
Create Date: 2026-12-06 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5c8e1f7a2d64"
down_revision: str | None = "b5e1c7d94a20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGRAM_SCHEMA = (
    "SELECT quote_ident(n.nspname) FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
    "WHERE e.extname = 'pg_trgm'"
)


# What catalogue.services.fill_search now adds: a provincial code's suffix as a word of its own (the
# tsvector parser split 2.001000.h15 into 2.001000 and h15; a LIKE on the folded text does not).
CODE_SUFFIX_WORDS = (
    "UPDATE procedures SET search_text = search_text || ' ' || regexp_replace(lower(code), '^(.+)\\.([a-z][a-z0-9]*)$', '\\1 \\2') "
    "WHERE lower(code) ~ '^.+\\.[a-z][a-z0-9]*$'"
)


def upgrade() -> None:
    op.drop_index("ix_procedures_search_vector", table_name="procedures", postgresql_using="gin")
    op.drop_column("procedures", "search_vector")
    op.execute(CODE_SUFFIX_WORDS)
    schema = op.get_bind().scalar(sa.text(TRIGRAM_SCHEMA))
    if schema is not None:
        op.execute(
            f"CREATE INDEX ix_procedures_search_text ON procedures USING gin (search_text {schema}.gin_trgm_ops)"
        )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_procedures_search_text")
    op.add_column(
        "procedures",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple', search_text)", persisted=True),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_procedures_search_vector", "procedures", ["search_vector"], unique=False, postgresql_using="gin"
    )
