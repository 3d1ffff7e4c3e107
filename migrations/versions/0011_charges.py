"""the maintenance charge: invoices per name and period, and the holders' payments of them

Revision ID: 0011_charges
Revises: 0010_tlog
Create Date: 2026-12-03 11:40:00

One invoice per name and period (a unique constraint), so the daily run raises each once however
often it runs. Nothing is invoiced until BRANDNAME_MAINTENANCE_CHARGES sets a schedule.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_charges"
down_revision = "0010_tlog"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "charge_invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brandname_id", sa.Integer(), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount_vnd", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["brandname_id"], ["brandnames.id"], name="fk_charge_invoices_brandname_id_brandnames"
        ),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], name="fk_charge_invoices_holder_id_holders"),
        sa.PrimaryKeyConstraint("id", name="pk_charge_invoices"),
        sa.UniqueConstraint("brandname_id", "period_start", name="uq_charge_invoices_brandname_id"),
    )
    with op.batch_alter_table("charge_invoices") as batch:
        batch.create_index("ix_charge_invoices_brandname_id", ["brandname_id"])
        batch.create_index("ix_charge_invoices_holder_id", ["holder_id"])
        batch.create_index("ix_charge_invoices_due_date", ["due_date"])
        batch.create_index("ix_charge_invoices_status", ["status"])
    op.create_table(
        "charge_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount_vnd", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["charge_invoices.id"], name="fk_charge_payments_invoice_id_charge_invoices"
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["accounts.id"], name="fk_charge_payments_recorded_by_id_accounts"
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["accounts.id"], name="fk_charge_payments_decided_by_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_charge_payments"),
    )
    with op.batch_alter_table("charge_payments") as batch:
        batch.create_index("ix_charge_payments_invoice_id", ["invoice_id"])
        batch.create_index("ix_charge_payments_status", ["status"])


def downgrade():
    op.drop_table("charge_payments")
    op.drop_table("charge_invoices")
