"""form templates: a province's own wording of forms 01–07 (Jinja2 template text), one row per overridden
form; forms without a row print the template shipped with the code.

Revision ID: f0a7c3e915d2
Revises: e6b3f0a2c915
Create Date: 2026-12-05 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f0a7c3e915d2"
down_revision: str | None = "e6b3f0a2c915"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_templates",
        sa.Column("number", sa.String(length=2), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(length=300), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint(
            "number IN ('01', '02', '03', '04', '05', '06', '07')", name=op.f("ck_form_templates_number")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_form_templates")),
    )


def downgrade() -> None:
    op.drop_table("form_templates")
