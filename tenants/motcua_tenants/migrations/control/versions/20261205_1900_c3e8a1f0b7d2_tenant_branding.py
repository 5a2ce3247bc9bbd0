"""tenant branding

Revision ID: c3e8a1f0b7d2
Revises: a7c4e2d91b53
Create Date: 2026-12-05 19:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c3e8a1f0b7d2"
down_revision: str | None = "a7c4e2d91b53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # What the province's portal shows about it beyond name, logo and colours: hotline, address, e-mail and
    # the footer text (motcua_portal.brand). A document, since provinces add to it without a migration.
    op.add_column(
        "tenants",
        sa.Column("branding", postgresql.JSONB(), server_default=sa.text("'{}'::jsonb"), nullable=False),
        schema="control",
    )


def downgrade() -> None:
    op.drop_column("tenants", "branding", schema="control")
