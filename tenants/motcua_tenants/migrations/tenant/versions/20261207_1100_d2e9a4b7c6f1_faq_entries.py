"""faq entries: the province's questions and answers per field, procedure and unit, with the word prefixes
the accent-free search matches (docs/faq.md)

Revision ID: d2e9a4b7c6f1
Revises: c7d4e1a8f903
Create Date: 2026-12-07 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "d2e9a4b7c6f1"
down_revision: str | None = "c7d4e1a8f903"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=True),
        sa.Column("procedure_code", sa.String(length=40), nullable=True),
        sa.Column("topic", sa.String(length=60), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("question_en", sa.Text(), nullable=True),
        sa.Column("answer_en", sa.Text(), nullable=True),
        sa.Column("published", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("edited", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("search_question", sa.Text(), nullable=False),
        sa.Column("search_prefixes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("char_length(question) BETWEEN 1 AND 500", name=op.f("ck_faq_entries_question_length")),
        sa.CheckConstraint("char_length(answer) BETWEEN 1 AND 5000", name=op.f("ck_faq_entries_answer_length")),
        sa.CheckConstraint("char_length(question_en) <= 500", name=op.f("ck_faq_entries_question_en_length")),
        sa.CheckConstraint("char_length(answer_en) <= 5000", name=op.f("ck_faq_entries_answer_en_length")),
        sa.CheckConstraint("(question_en IS NULL) = (answer_en IS NULL)", name=op.f("ck_faq_entries_english_pair")),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_faq_entries_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
    )
    op.create_index(op.f("ix_faq_entries_unit_id"), "faq_entries", ["unit_id"], unique=False)
    op.create_index("ix_faq_entries_procedure_code", "faq_entries", ["procedure_code"], unique=False)
    op.create_index(
        "uq_faq_entries_topic",
        "faq_entries",
        ["procedure_code", "topic"],
        unique=True,
        postgresql_where=sa.text("topic IS NOT NULL"),
        postgresql_nulls_not_distinct=True,
    )
    op.create_index(
        "ix_faq_entries_search_prefixes",
        "faq_entries",
        ["search_prefixes"],
        unique=False,
        postgresql_using="gin",
        postgresql_with={"fastupdate": "on", "gin_pending_list_limit": 64},
    )


def downgrade() -> None:
    op.drop_table("faq_entries")
