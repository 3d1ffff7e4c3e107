"""claims: a business takes charge of a holder whose names came from paper or a legacy import

Revision ID: 0025_claims
Revises: 0024_variants
Create Date: 2026-12-04 14:00:00

A claim proves control with a one-time code mailed to the email on the holder's record (only its
salted hash is kept) or with an authorization an officer approves; a holder is granted once.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_claims"
down_revision = "0024_variants"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("code_salt", sa.String(length=32), nullable=True),
        sa.Column("code_expires_at", sa.DateTime(), nullable=True),
        sa.Column("code_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("code_sends", sa.JSON(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("method", sa.String(length=20), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_claims_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["accounts.id"], name=op.f("fk_claims_decided_by_id_accounts")
        ),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], name=op.f("fk_claims_holder_id_holders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
    )
    with op.batch_alter_table("claims") as batch:
        batch.create_index("ix_claims_account_id", ["account_id"], unique=False)
        batch.create_index("ix_claims_holder_id", ["holder_id"], unique=False)
        batch.create_index("ix_claims_status", ["status"], unique=False)
        batch.create_index(
            "uq_claims_granted_holder",
            ["holder_id"],
            unique=True,
            sqlite_where=sa.text("status = 'granted'"),
            postgresql_where=sa.text("status = 'granted'"),
        )


def downgrade():
    op.drop_table("claims")
