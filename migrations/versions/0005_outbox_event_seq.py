"""outbox rows name the event they announce: mails are written in the act's own transaction

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 01:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("event_seq", sa.Integer(), nullable=True))
        batch.create_index("ix_outbox_event_seq", ["event_seq"])


def downgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_event_seq")
        batch.drop_column("event_seq")
