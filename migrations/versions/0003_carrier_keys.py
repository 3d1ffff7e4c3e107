"""carrier keys: API keys of carriers; only the SHA-256 of each key is stored

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 08:03:54.821046

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "carrier_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("key_prefix", sa.String(length=20), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_carrier_keys_key_hash")),
        sa.UniqueConstraint("name", name=op.f("uq_carrier_keys_name")),
    )


def downgrade():
    op.drop_table("carrier_keys")
