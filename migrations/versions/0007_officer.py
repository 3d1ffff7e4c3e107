"""officer console: dossier assignment, paper dossiers, holder names folded for search

Revision ID: 0006_officer
Revises: 0005
Create Date: 2026-12-02 15:45:00

"""

import sqlalchemy as sa
from alembic import op

from brandname.rules.text import fold

revision = "0006_officer"
down_revision = "0006_carrier_checks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("holders") as batch:
        batch.add_column(sa.Column("name_folded", sa.String(length=300), nullable=False, server_default=""))
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("assigned_to_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("assigned_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("on_paper", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.create_index("ix_applications_assigned_to_id", ["assigned_to_id"])
        batch.create_foreign_key(
            "fk_applications_assigned_to_id_accounts", "accounts", ["assigned_to_id"], ["id"]
        )
    holders = sa.table(
        "holders",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("name_folded", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(holders.c.id, holders.c.name)).all()
    for ident, name in rows:
        bind.execute(holders.update().where(holders.c.id == ident).values(name_folded=fold(name)))


def downgrade():
    with op.batch_alter_table("applications") as batch:
        batch.drop_constraint("fk_applications_assigned_to_id_accounts", type_="foreignkey")
        batch.drop_index("ix_applications_assigned_to_id")
        batch.drop_column("on_paper")
        batch.drop_column("assigned_at")
        batch.drop_column("assigned_to_id")
    with op.batch_alter_table("holders") as batch:
        batch.drop_column("name_folded")
