"""organization users: verified emails, members' roles, invitations

Revision ID: 0021_org_users
Revises: 0020_periodic_reports
Create Date: 2026-12-03 15:10:00

An account proves its email before it files (email_verified_at; the links in
email_verifications, each kept as the hash of its token). Accounts that exist at the upgrade were
made before the step and count as proved. An applicant account has a role in its holder
(org_role: admin or user); every account that already belongs to a holder is its administrator.
Administrators invite members by email (invitations, the hash of each link's token).
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_org_users"
down_revision = "0020_periodic_reports"
branch_labels = None
depends_on = None


def upgrade():
    # in place: recreating the table would trip its own foreign keys (created_by_id) on SQLite
    with op.batch_alter_table("accounts", recreate="never") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("org_role", sa.String(length=20), nullable=True))
    op.execute("UPDATE accounts SET email_verified_at = created_at")
    op.execute("UPDATE accounts SET org_role = 'admin' WHERE role = 'applicant' AND holder_id IS NOT NULL")
    op.create_table(
        "email_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_email_verifications_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_verifications")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_verifications_token_hash")),
    )
    op.create_index(op.f("ix_email_verifications_account_id"), "email_verifications", ["account_id"])
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("org_role", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], name=op.f("fk_invitations_holder_id_holders")),
        sa.ForeignKeyConstraint(
            ["invited_by_id"], ["accounts.id"], name=op.f("fk_invitations_invited_by_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_invitations_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    op.create_index(op.f("ix_invitations_holder_id"), "invitations", ["holder_id"])


def downgrade():
    op.drop_index(op.f("ix_invitations_holder_id"), table_name="invitations")
    op.drop_table("invitations")
    op.drop_index(op.f("ix_email_verifications_account_id"), table_name="email_verifications")
    op.drop_table("email_verifications")
    with op.batch_alter_table("accounts", recreate="never") as batch:
        batch.drop_column("org_role")
        batch.drop_column("email_verified_at")
