"""search indexes: name_normal in byte order on PostgreSQL, pg_trgm for substring search

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28 08:20:00

PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13, so a database owner may create
it), brandnames.name_normal with collation "C" (LIKE 'ABC%' can use its btree, results in byte
order), and a GIN trigram index for LIKE '%ABC%'.
SQLite: an empty partial index of the same name (SQLite has no trigram index; see models.py).
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.alter_column("brandnames", "name_normal", type_=sa.String(length=11, collation="C"),
                        existing_type=sa.String(length=11), existing_nullable=False)
        op.create_index("ix_brandnames_name_normal_trgm", "brandnames", ["name_normal"],
                        unique=False, postgresql_using="gin",
                        postgresql_ops={"name_normal": "gin_trgm_ops"})
    else:
        with op.batch_alter_table("brandnames", schema=None) as batch_op:
            batch_op.create_index("ix_brandnames_name_normal_trgm", ["name_normal"], unique=False,
                                  sqlite_where=sa.text("0"))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_brandnames_name_normal_trgm", table_name="brandnames",
                      postgresql_using="gin")
        op.alter_column("brandnames", "name_normal", type_=sa.String(length=11),
                        existing_type=sa.String(length=11, collation="C"), existing_nullable=False)
    else:
        with op.batch_alter_table("brandnames", schema=None) as batch_op:
            batch_op.drop_index("ix_brandnames_name_normal_trgm", sqlite_where=sa.text("0"))
