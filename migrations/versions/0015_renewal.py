"""a renewal filed in time keeps its name in force: brandnames.renewal_pending

Revision ID: 0015_renewal
Revises: 0014_notices
Create Date: 2026-12-03 12:00:00

A name whose renewal is undecided, or approved and awaiting its fee, is marked
`renewal_pending`: the daily expiry passes it by, and carriers and the public see it in force
with "renewal pending" until the renewal is issued, refused, withdrawn or lapses. Names with a
renewal open at the time of the migration are marked here.
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_renewal"
down_revision = "0014_notices"
branch_labels = None
depends_on = None


def upgrade():
    # a plain ADD COLUMN: SQLite adds a column with a default without rebuilding the table
    op.add_column(
        "brandnames", sa.Column("renewal_pending", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    brandnames = sa.table("brandnames", sa.column("id", sa.Integer), sa.column("renewal_pending", sa.Boolean))
    applications = sa.table(
        "applications",
        sa.column("brandname_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("status", sa.String),
    )
    open_renewals = sa.select(applications.c.brandname_id).where(
        applications.c.kind == "renewal", applications.c.status.in_(("submitted", "approved"))
    )
    op.get_bind().execute(
        sa.update(brandnames).where(brandnames.c.id.in_(open_renewals)).values(renewal_pending=True)
    )


def downgrade():
    with op.batch_alter_table("brandnames") as batch:
        batch.drop_column("renewal_pending")
