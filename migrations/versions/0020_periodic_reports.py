"""periodic reports (Art. 30–31; Forms 04, 05, 06): ad-hoc requests and the reports filed

Revision ID: 0020_periodic_reports
Revises: 0023_drafts_inbox
Create Date: 2026-12-03 15:20:00

Two new tables, nothing existing changes. One filing per filer, form and obligation (a unique
constraint), so a report is never counted twice.
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_periodic_reports"
down_revision = "0023_drafts_inbox"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filer", sa.String(length=10), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("carrier_key_id", sa.Integer(), nullable=True),
        sa.Column("form", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], name="fk_report_requests_holder_id_holders"),
        sa.ForeignKeyConstraint(
            ["carrier_key_id"], ["carrier_keys.id"], name="fk_report_requests_carrier_key_id_carrier_keys"
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["accounts.id"], name="fk_report_requests_requested_by_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_report_requests"),
    )
    with op.batch_alter_table("report_requests") as batch:
        batch.create_index("ix_report_requests_holder_id", ["holder_id"])
        batch.create_index("ix_report_requests_carrier_key_id", ["carrier_key_id"])
        batch.create_index("ix_report_requests_due_date", ["due_date"])
        batch.create_index("ix_report_requests_status", ["status"])
    op.create_table(
        "periodic_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filer", sa.String(length=10), nullable=False),
        sa.Column("filer_key", sa.String(length=40), nullable=False),
        sa.Column("holder_id", sa.Integer(), nullable=True),
        sa.Column("carrier_key_id", sa.Integer(), nullable=True),
        sa.Column("form", sa.String(length=2), nullable=False),
        sa.Column("obligation", sa.String(length=40), nullable=False),
        sa.Column("period_label", sa.String(length=10), nullable=True),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("way", sa.String(length=10), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("stored_name", sa.String(length=64), nullable=True),
        sa.Column("content_type", sa.String(length=60), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("filed_at", sa.DateTime(), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("filed_by_label", sa.String(length=254), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["holder_id"], ["holders.id"], name="fk_periodic_reports_holder_id_holders"),
        sa.ForeignKeyConstraint(
            ["carrier_key_id"], ["carrier_keys.id"], name="fk_periodic_reports_carrier_key_id_carrier_keys"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["report_requests.id"], name="fk_periodic_reports_request_id_report_requests"
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["accounts.id"], name="fk_periodic_reports_filed_by_id_accounts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_periodic_reports"),
        sa.UniqueConstraint("filer_key", "form", "obligation", name="uq_periodic_reports_filing"),
        sa.UniqueConstraint("stored_name", name="uq_periodic_reports_stored_name"),
    )
    with op.batch_alter_table("periodic_reports") as batch:
        batch.create_index("ix_periodic_reports_filer_key", ["filer_key"])
        batch.create_index("ix_periodic_reports_holder_id", ["holder_id"])
        batch.create_index("ix_periodic_reports_carrier_key_id", ["carrier_key_id"])
        batch.create_index("ix_periodic_reports_period_label", ["period_label"])
        batch.create_index("ix_periodic_reports_request_id", ["request_id"])
        batch.create_index("ix_periodic_reports_filed_at", ["filed_at"])


def downgrade():
    op.drop_table("periodic_reports")
    op.drop_table("report_requests")
