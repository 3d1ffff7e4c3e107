"""the applicant's journey: one payment reference is recorded once; refused payments keep their
reason; the holder's record knows which filing its details come from

Revision ID: 0013_journey
Revises: 0012_legacy
Create Date: 2026-12-03 12:00:00

A bank transfer pays one fee: `reference_key` (the reference without spaces, upper case) is
unique among payments that are not refused. Payments recorded before this migration get their
key here; where one reference was recorded more than once, the earliest keeps it and the later
ones are left without a key (an officer decides them as before). An officer who refuses a wrongly
recorded payment records when, who and why; the applicant reads the reason.

`holders.details_received_at` is the receipt time of the Form 01 whose details the holder's record
carries; a certificate issued later from an older filing leaves newer details in place. Existing
holders start without it (the next issued certificate sets it).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_journey"
down_revision = "0012_legacy"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("holders") as batch:
        batch.add_column(sa.Column("details_received_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("reference_key", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("refused_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("refused_by_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("refusal_reason", sa.Text(), nullable=True))
        batch.create_foreign_key("fk_payments_refused_by_id_accounts", "accounts", ["refused_by_id"], ["id"])
    payments = sa.table(
        "payments",
        sa.column("id", sa.Integer),
        sa.column("reference", sa.String),
        sa.column("status", sa.String),
        sa.column("reference_key", sa.String),
    )
    bind = op.get_bind()
    seen = set()
    updates = []
    for ident, reference, status in bind.execute(
        sa.select(payments.c.id, payments.c.reference, payments.c.status).order_by(payments.c.id)
    ):
        key = "".join((reference or "").split()).upper()
        if status == "refused" or key not in seen:
            updates.append({"ident": ident, "key": key})
            if status != "refused":
                seen.add(key)
    if updates:
        bind.execute(
            payments.update()
            .where(payments.c.id == sa.bindparam("ident"))
            .values(reference_key=sa.bindparam("key")),
            updates,
        )
    op.create_index(
        "uq_payments_live_reference",
        "payments",
        ["reference_key"],
        unique=True,
        sqlite_where=sa.text("status != 'refused'"),
        postgresql_where=sa.text("status != 'refused'"),
    )


def downgrade():
    op.drop_index("uq_payments_live_reference", table_name="payments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("fk_payments_refused_by_id_accounts", type_="foreignkey")
        batch.drop_column("refusal_reason")
        batch.drop_column("refused_by_id")
        batch.drop_column("refused_at")
        batch.drop_column("reference_key")
    with op.batch_alter_table("holders") as batch:
        batch.drop_column("details_received_at")
