"""feedback items: feedback and complaints (phản ánh, kiến nghị) with their legal times on the working
calendar, the unit that handles them, the answer, what is published and the submitter's rating
(docs/feedback.md)

Revision ID: e7b3c9d2a4f8
Revises: d2e9a4b7c6f1
Create Date: 2026-12-07 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e7b3c9d2a4f8"
down_revision: str | None = "d2e9a4b7c6f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _moment(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "feedback_items",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("access_sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("dossier_code", sa.String(length=60), nullable=True),
        sa.Column("submitter_name", sa.String(length=200), nullable=False),
        sa.Column("submitter_contact", sa.String(length=200), nullable=False),
        sa.Column("citizen_account_id", sa.BigInteger(), nullable=True),
        sa.Column("repeat_of_id", sa.BigInteger(), nullable=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        _moment("reject_due_at", nullable=False),
        _moment("info_due_at", nullable=False),
        _moment("answer_due_at", nullable=False),
        _moment("publish_due_at"),
        _moment("assigned_at"),
        _moment("rejected_at"),
        sa.Column("reject_reason", sa.Text(), nullable=True),
        _moment("info_requested_at"),
        sa.Column("info_request", sa.Text(), nullable=True),
        _moment("info_given_at"),
        sa.Column("info_given", sa.Text(), nullable=True),
        _moment("answered_at"),
        sa.Column("answer", sa.Text(), nullable=True),
        _moment("published_at"),
        sa.Column("public_title", sa.String(length=200), nullable=True),
        sa.Column("public_content", sa.Text(), nullable=True),
        sa.Column("public_answer", sa.Text(), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        _moment("rated_at"),
        sa.CheckConstraint("kind IN ('reflection', 'recommendation')", name=op.f("ck_feedback_items_kind")),
        sa.CheckConstraint(
            "category IN ('procedure_rules', 'conduct', 'delay', 'other')", name=op.f("ck_feedback_items_category")
        ),
        sa.CheckConstraint(
            "status IN ('received', 'info_requested', 'rejected', 'answered', 'published')",
            name=op.f("ck_feedback_items_status"),
        ),
        sa.CheckConstraint("rating BETWEEN 1 AND 4", name=op.f("ck_feedback_items_rating")),
        sa.CheckConstraint("char_length(content) BETWEEN 1 AND 5000", name=op.f("ck_feedback_items_content_length")),
        sa.ForeignKeyConstraint(
            ["citizen_account_id"],
            ["citizen_accounts.id"],
            name=op.f("fk_feedback_items_citizen_account_id_citizen_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["repeat_of_id"], ["feedback_items.id"], name=op.f("fk_feedback_items_repeat_of_id_feedback_items")
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_feedback_items_unit_id_units"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_items")),
        sa.UniqueConstraint("access_sha256", name=op.f("uq_feedback_items_access_sha256")),
        sa.UniqueConstraint("code", name=op.f("uq_feedback_items_code")),
    )
    op.create_index("ix_feedback_items_dossier_code", "feedback_items", ["dossier_code"], unique=False)
    op.create_index(op.f("ix_feedback_items_repeat_of_id"), "feedback_items", ["repeat_of_id"], unique=False)
    op.create_index(op.f("ix_feedback_items_unit_id"), "feedback_items", ["unit_id"], unique=False)
    op.create_index("ix_feedback_items_status_received", "feedback_items", ["status", "received_at"], unique=False)


def downgrade() -> None:
    op.drop_table("feedback_items")
