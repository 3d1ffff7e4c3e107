"""roles: the administrator, and who made and who enabled each account

Revision ID: 0008_roles
Revises: 0006_officer
Create Date: 2026-12-02 19:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0008_roles"
# the officer migration (file 0007_officer.py) carries the revision id "0006_officer"
down_revision = "0006_officer"
branch_labels = None
depends_on = None


def _backfill(column, act):
    """Accounts made or enabled before this migration take their maker or enabler from the event
    log, so dual control holds for them too (the latest such event by another account)."""
    op.execute(
        sa.text(
            f"UPDATE accounts SET {column} = ("
            "SELECT e.actor_id FROM events e"
            " WHERE e.act = :act AND e.subject_type = 'account' AND e.subject_id = accounts.id"
            " AND e.actor_id IS NOT NULL AND e.actor_id <> accounts.id"
            " AND e.actor_id IN (SELECT a.id FROM accounts a)"
            " ORDER BY e.seq DESC LIMIT 1)"
        ).bindparams(act=act)
    )


def upgrade():
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("created_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("enabled_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_accounts_created_by_id_accounts", "accounts", ["created_by_id"], ["id"])
        batch.create_foreign_key("fk_accounts_enabled_by_id_accounts", "accounts", ["enabled_by_id"], ["id"])
    _backfill("created_by_id", "create_account")
    _backfill("enabled_by_id", "enable_account")


def downgrade():
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint("fk_accounts_enabled_by_id_accounts", type_="foreignkey")
        batch.drop_constraint("fk_accounts_created_by_id_accounts", type_="foreignkey")
        batch.drop_column("enabled_by_id")
        batch.drop_column("created_by_id")
