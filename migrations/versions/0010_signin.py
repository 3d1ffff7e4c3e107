"""sign-in hardening: sessions that end at sign-out

Revision ID: 0010_signin
Revises: 0008_privacy
Create Date: 2026-12-03 11:40:00

Each account gets a session generation; a session opened with an older one no longer signs in.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_signin"
down_revision = "0008_privacy"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("session_generation")
