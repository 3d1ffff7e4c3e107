"""transparency log: the leaves (published events) and the hashes of complete subtrees

Revision ID: 0010_tlog
Revises: 0008_privacy
Create Date: 2026-12-03 12:00:00

The tables start empty. The events already in the registry become leaves, in sequence order, at
the first act after the upgrade or with `flask --app wsgi brandname log-sync` (run it after the
upgrade on a large registry, so that no user's act waits for the catch-up).
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_tlog"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    op.create_table(
        "log_entries",
        sa.Column("idx", BigId, autoincrement=False, nullable=False),
        sa.Column("entry", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("idx", name="pk_log_entries"),
    )
    op.create_table(
        "log_nodes",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", BigId, autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name="pk_log_nodes"),
    )


def downgrade():
    op.drop_table("log_nodes")
    op.drop_table("log_entries")
