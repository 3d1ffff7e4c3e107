"""search indexes: name_normal in byte order on PostgreSQL, pg_trgm for substring search

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 08:20:00

PostgreSQL: the pg_trgm extension (trusted since PostgreSQL 13, so a database owner may create
it), brandnames.name_normal with collation "C" (LIKE 'ABC%' can use its btree, results in byte
order), and a GIN trigram index for LIKE '%ABC%'.
SQLite: an empty partial index of the same name (see models.py), and an FTS5 trigram table
(brandnames_fts, kept in step by triggers) for substring search.
"""

import sqlalchemy as sa
from alembic import op

# a copy, not an import: a migration must not change when the models change later
SQLITE_SEARCH_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS brandnames_fts USING fts5("
    "name_normal, content='brandnames', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS brandnames_fts_ai AFTER INSERT ON brandnames BEGIN "
    "INSERT INTO brandnames_fts(rowid, name_normal) VALUES (new.id, new.name_normal); END",
    "CREATE TRIGGER IF NOT EXISTS brandnames_fts_ad AFTER DELETE ON brandnames BEGIN "
    "INSERT INTO brandnames_fts(brandnames_fts, rowid, name_normal) VALUES ('delete', old.id, old.name_normal); END",
    "CREATE TRIGGER IF NOT EXISTS brandnames_fts_au AFTER UPDATE OF name_normal ON brandnames BEGIN "
    "INSERT INTO brandnames_fts(brandnames_fts, rowid, name_normal) VALUES ('delete', old.id, old.name_normal); "
    "INSERT INTO brandnames_fts(rowid, name_normal) VALUES (new.id, new.name_normal); END",
)


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.alter_column(
            "brandnames",
            "name_normal",
            type_=sa.String(length=11, collation="C"),
            existing_type=sa.String(length=11),
            existing_nullable=False,
        )
        op.create_index(
            "ix_brandnames_name_normal_trgm",
            "brandnames",
            ["name_normal"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"name_normal": "gin_trgm_ops"},
        )
    else:
        with op.batch_alter_table("brandnames", schema=None) as batch_op:
            batch_op.create_index(
                "ix_brandnames_name_normal_trgm", ["name_normal"], unique=False, sqlite_where=sa.text("0")
            )
        # the FTS5 trigram index that serves substring search on SQLite (see models.py)
        for statement in SQLITE_SEARCH_DDL:
            op.execute(statement)
        op.execute("INSERT INTO brandnames_fts(brandnames_fts) VALUES ('rebuild')")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_brandnames_name_normal_trgm", table_name="brandnames", postgresql_using="gin")
        op.alter_column(
            "brandnames",
            "name_normal",
            type_=sa.String(length=11),
            existing_type=sa.String(length=11, collation="C"),
            existing_nullable=False,
        )
    else:
        for trigger in ("brandnames_fts_ai", "brandnames_fts_ad", "brandnames_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS brandnames_fts")
        with op.batch_alter_table("brandnames", schema=None) as batch_op:
            batch_op.drop_index("ix_brandnames_name_normal_trgm", sqlite_where=sa.text("0"))
