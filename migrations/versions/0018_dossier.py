"""dossier code: every application gets its mã hồ sơ, existing ones backfilled

Revision ID: 0018_dossier
Revises: 0017_watch
Create Date: 2026-12-03 13:20:00

The code is drawn at random (rules/dossier_code.py) from the month of receipt; applications
already filed get one here, then the column becomes required and unique.
"""

import sqlalchemy as sa
from alembic import op

from brandname.rules import dossier_code

revision = "0018_dossier"
down_revision = "0017_watch"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("code", sa.String(length=20), nullable=True))
    table = sa.table(
        "applications",
        sa.column("id", sa.Integer),
        sa.column("received_at", sa.DateTime),
        sa.column("code", sa.String),
    )
    taken = set()
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.received_at)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        values = []
        for ident, received_at in rows:
            code = dossier_code.new_code(received_at)
            while code in taken:
                code = dossier_code.new_code(received_at)
            taken.add(code)
            values.append({"ident": ident, "code": code})
        bind.execute(table.update().where(table.c.id == sa.bindparam("ident")), values)
        last = rows[-1][0]
    with op.batch_alter_table("applications") as batch:
        batch.alter_column("code", existing_type=sa.String(length=20), nullable=False)
        batch.create_index("ix_applications_code", ["code"], unique=True)


def downgrade():
    with op.batch_alter_table("applications") as batch:
        batch.drop_index("ix_applications_code")
        batch.drop_column("code")
