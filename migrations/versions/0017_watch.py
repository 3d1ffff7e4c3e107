"""confusion control: sound-alike keys, the look-alike key kept apart, the watch-list

Revision ID: 0017_watch
Revises: 0016_signin
Create Date: 2026-12-03 12:00:00

The confusable key now folds Vietnamese sound-alikes as well as look-alikes, so every stored
key is computed again from its name; the look-alike key (the former confusable key) gets its
own column, because a Q that looks like O cannot also sound like K in one key. The watch-list
holds the names officers protect (state bodies, banks, carriers, names holders asked to protect)
and the sensitive words.
"""

import sqlalchemy as sa
from alembic import op

from brandname.rules import names as name_rules

revision = "0017_watch"
down_revision = "0016_signin"
branch_labels = None
depends_on = None

BATCH = 5000
KEYED = ("brandnames", "requested_names")


def _rekey(bind, table_name):
    table = sa.table(
        table_name,
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("confusable_key", sa.String),
        sa.column("lookalike_key", sa.String),
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(table.c.id, table.c.name).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
        ).all()
        if not rows:
            break
        values = [{"ident": ident, **name_rules.keys(name)} for ident, name in rows]
        bind.execute(table.update().where(table.c.id == sa.bindparam("ident")), values)
        last = rows[-1][0]


def upgrade():
    bind = op.get_bind()
    for table_name in KEYED:
        with op.batch_alter_table(table_name) as batch:
            batch.add_column(sa.Column("lookalike_key", sa.String(length=40), nullable=True))
        _rekey(bind, table_name)
        with op.batch_alter_table(table_name) as batch:
            batch.alter_column("lookalike_key", existing_type=sa.String(length=40), nullable=False)
            batch.create_index(f"ix_{table_name}_lookalike_key", ["lookalike_key"], unique=False)
    op.create_table(
        "watch_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("name_normal", sa.String(length=40), nullable=False),
        sa.Column("confusable_key", sa.String(length=60), nullable=False),
        sa.Column("lookalike_key", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_watch_entries")),
        sa.UniqueConstraint("name_normal", name=op.f("uq_watch_entries_name_normal")),
    )
    with op.batch_alter_table("watch_entries") as batch:
        batch.create_index("ix_watch_entries_confusable_key", ["confusable_key"], unique=False)
        batch.create_index("ix_watch_entries_category", ["category"], unique=False)


def downgrade():
    op.drop_table("watch_entries")
    bind = op.get_bind()
    for table_name in KEYED:
        with op.batch_alter_table(table_name) as batch:
            batch.drop_index(f"ix_{table_name}_lookalike_key")
        # the former confusable key folded look-alikes only: that is the look-alike key
        bind.execute(sa.text(f"UPDATE {table_name} SET confusable_key = lookalike_key"))
        with op.batch_alter_table(table_name) as batch:
            batch.drop_column("lookalike_key")
