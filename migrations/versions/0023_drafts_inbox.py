"""drafts and the in-portal notifications: Form 01 saved to finish later; each mail an account
receives, as it reads it in the portal, read or unread

Revision ID: 0023_drafts_inbox
Revises: 0018_dossier
Create Date: 2026-12-03 15:10:00

Both are new tables: no existing row changes. Mails already sent before this revision have no
notification (the list starts with the first mail after the upgrade).
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_drafts_inbox"
down_revision = "0018_dossier"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("form", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], name="fk_drafts_holder_id_holders"),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_drafts_account_id_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_drafts"),
    )
    op.create_index("ix_drafts_holder_id", "drafts", ["holder_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("brandname_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name="fk_notifications_account_id_accounts"),
        sa.ForeignKeyConstraint(
            ["outbox_id"], ["outbox.id"], name="fk_notifications_outbox_id_outbox", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name="fk_notifications_application_id_applications"
        ),
        sa.ForeignKeyConstraint(
            ["brandname_id"], ["brandnames.id"], name="fk_notifications_brandname_id_brandnames"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_account_id", "notifications", ["account_id"])
    op.create_index("ix_notifications_created_at", "notifications", ["created_at"])
    op.create_index("ix_notifications_account_id_read_at", "notifications", ["account_id", "read_at"])


def downgrade():
    op.drop_index("ix_notifications_account_id_read_at", table_name="notifications")
    op.drop_index("ix_notifications_created_at", table_name="notifications")
    op.drop_index("ix_notifications_account_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_index("ix_drafts_holder_id", table_name="drafts")
    op.drop_table("drafts")
