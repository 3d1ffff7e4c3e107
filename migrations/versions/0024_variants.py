"""protected variants: look-alike variants of a name its holder asked to protect

Revision ID: 0024_variants
Revises: 0021_org_users
Create Date: 2026-12-03 15:40:00

A holder asks, an officer approves or rejects each variant; approved variants of a live name
block its registration by anyone else and are published to carriers as impersonation targets.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024_variants"
down_revision = "0021_org_users"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "protected_variants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brandname_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("name_normal", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["brandname_id"], ["brandnames.id"], name=op.f("fk_protected_variants_brandname_id_brandnames")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protected_variants")),
    )
    with op.batch_alter_table("protected_variants") as batch:
        batch.create_index("ix_protected_variants_brandname_id", ["brandname_id"], unique=False)
        batch.create_index("ix_protected_variants_name_normal", ["name_normal"], unique=False)
        batch.create_index("ix_protected_variants_status", ["status"], unique=False)


def downgrade():
    op.drop_table("protected_variants")
