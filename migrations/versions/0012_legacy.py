"""names from before the decree: the review queue of carrier lists

Revision ID: 0012_legacy
Revises: 0011_charges
Create Date: 2026-12-03 11:50:00

`import-legacy` no longer issues names: each carrier list becomes a batch whose rows an officer
recognizes or refuses (Art. 36). Names imported before this migration stay as they are.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_legacy"
down_revision = "0011_charges"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "legacy_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("carrier", sa.String(length=100), nullable=False),
        sa.Column("file_date", sa.Date(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("imported_by", sa.String(length=254), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=False),
        sa.Column("rows_refused", sa.Integer(), nullable=False),
        sa.Column("rows_warned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_batches")),
    )
    op.create_table(
        "legacy_rows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("name_normal", sa.String(length=60), nullable=False),
        sa.Column("confusable_key", sa.String(length=80), nullable=False),
        sa.Column("holder", sa.JSON(), nullable=False),
        sa.Column("holder_name", sa.String(length=300), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("use_sms", sa.Boolean(), nullable=False),
        sa.Column("use_voice", sa.Boolean(), nullable=False),
        sa.Column("valid_from_filed", sa.Date(), nullable=True),
        sa.Column("valid_until_filed", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("refusal_code", sa.String(length=40), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("term_cut", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_label", sa.String(length=254), nullable=True),
        sa.Column("brandname_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["legacy_batches.id"], name=op.f("fk_legacy_rows_batch_id_legacy_batches")
        ),
        sa.ForeignKeyConstraint(
            ["brandname_id"], ["brandnames.id"], name=op.f("fk_legacy_rows_brandname_id_brandnames")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["accounts.id"], name=op.f("fk_legacy_rows_decided_by_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legacy_rows")),
        sa.UniqueConstraint("batch_id", "line", name="uq_legacy_rows_batch_id_line"),
    )
    with op.batch_alter_table("legacy_rows") as batch:
        batch.create_index(batch.f("ix_legacy_rows_batch_id"), ["batch_id"], unique=False)
        batch.create_index(batch.f("ix_legacy_rows_confusable_key"), ["confusable_key"], unique=False)
        batch.create_index(batch.f("ix_legacy_rows_decided_at"), ["decided_at"], unique=False)
        batch.create_index(batch.f("ix_legacy_rows_name_normal"), ["name_normal"], unique=False)
        batch.create_index(batch.f("ix_legacy_rows_status"), ["status"], unique=False)


def downgrade():
    op.drop_table("legacy_rows")
    op.drop_table("legacy_batches")
