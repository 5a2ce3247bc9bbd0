"""national sign-in: the province's OpenID Connect provider, the identities linked to citizen accounts, and the
identity-verified marks on accounts, sessions and dossiers (QĐ 766 item 4.5; docs/integrations.md)

Revision ID: a7c3e1f9b5d2
Revises: e5a1c9d3f7b2
Create Date: 2026-12-07 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a7c3e1f9b5d2"
down_revision: str | None = "e5a1c9d3f7b2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_LOGIN = "email IS NOT NULL OR phone IS NOT NULL"
NEW_LOGIN = "email IS NOT NULL OR phone IS NOT NULL OR identity_verified_at IS NOT NULL"


def upgrade() -> None:
    op.create_table(
        "identity_provider_settings",
        sa.Column("id", sa.SmallInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("display_name", sa.String(length=80), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("client_id", sa.String(length=200), nullable=True),
        sa.Column("client_secret", sa.String(length=500), nullable=True),
        sa.Column("scopes", sa.String(length=300), nullable=False),
        sa.Column("identity_claim", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_identity_provider_settings_single_row")),
        sa.CheckConstraint(
            "NOT enabled OR (issuer IS NOT NULL AND client_id IS NOT NULL AND client_secret IS NOT NULL)",
            name=op.f("ck_identity_provider_settings_enabled_complete"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_provider_settings")),
    )
    op.create_table(
        "citizen_identities",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("citizen_id", sa.BigInteger(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("national_id", sa.String(length=12), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_sign_in_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["citizen_id"],
            ["citizen_accounts.id"],
            name=op.f("fk_citizen_identities_citizen_id_citizen_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_identities")),
        sa.UniqueConstraint("issuer", "subject", name="uq_citizen_identities_issuer_subject"),
    )
    op.create_index(op.f("ix_citizen_identities_citizen_id"), "citizen_identities", ["citizen_id"], unique=False)
    op.add_column("citizen_accounts", sa.Column("identity_verified_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_constraint(op.f("ck_citizen_accounts_login"), "citizen_accounts", type_="check")
    op.create_check_constraint(op.f("ck_citizen_accounts_login"), "citizen_accounts", NEW_LOGIN)
    op.add_column(
        "citizen_tokens",
        sa.Column("identity_verified", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )
    op.add_column(
        "dossiers", sa.Column("identity_verified", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )


def downgrade() -> None:
    op.drop_column("dossiers", "identity_verified")
    op.drop_column("citizen_tokens", "identity_verified")
    # an account made by national sign-in with neither e-mail nor phone has no way to log in without it, and
    # its dossiers must not be deleted with it: such a tenant is not downgraded
    stranded = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM citizen_accounts WHERE email IS NULL AND phone IS NULL")
    )
    if stranded:
        raise RuntimeError(
            f"{stranded} citizen account(s) log in only with national identity (no e-mail, no phone): "
            "give them a contact before downgrading below a7c3e1f9b5d2"
        )
    op.drop_constraint(op.f("ck_citizen_accounts_login"), "citizen_accounts", type_="check")
    op.create_check_constraint(op.f("ck_citizen_accounts_login"), "citizen_accounts", OLD_LOGIN)
    op.drop_column("citizen_accounts", "identity_verified_at")
    op.drop_index(op.f("ix_citizen_identities_citizen_id"), table_name="citizen_identities")
    op.drop_table("citizen_identities")
    op.drop_table("identity_provider_settings")
