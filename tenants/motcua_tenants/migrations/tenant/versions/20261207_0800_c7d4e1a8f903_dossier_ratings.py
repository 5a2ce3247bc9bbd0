"""dossier ratings: the applicant's satisfaction rating of a dossier (one, after the result), and the rating
link sent with the result message, kept as the SHA-256 of its token (docs/ratings.md)

Revision ID: c7d4e1a8f903
Revises: b3f8c1d6e2a9
Create Date: 2026-12-07 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c7d4e1a8f903"
down_revision: str | None = "b3f8c1d6e2a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dossier_ratings",
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("citizen_account_id", sa.BigInteger(), nullable=True),
        sa.Column("rated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 4", name=op.f("ck_dossier_ratings_level")),
        sa.CheckConstraint("via IN ('portal', 'link')", name=op.f("ck_dossier_ratings_via")),
        sa.CheckConstraint("char_length(comment) <= 2000", name=op.f("ck_dossier_ratings_comment_length")),
        sa.ForeignKeyConstraint(
            ["citizen_account_id"],
            ["citizen_accounts.id"],
            name=op.f("fk_dossier_ratings_citizen_account_id_citizen_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossiers.id"], name=op.f("fk_dossier_ratings_dossier_id_dossiers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossier_ratings")),
    )
    op.create_table(
        "dossier_rating_links",
        sa.Column("dossier_id", sa.BigInteger(), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"],
            ["dossiers.id"],
            name=op.f("fk_dossier_rating_links_dossier_id_dossiers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_dossier_rating_links")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_dossier_rating_links_token_sha256")),
    )


def downgrade() -> None:
    op.drop_table("dossier_rating_links")
    op.drop_table("dossier_ratings")
