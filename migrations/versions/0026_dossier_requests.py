"""requests for more documents: the open request of an undecided dossier

Revision ID: 0026_dossier_requests
Revises: 0025_claims
Create Date: 2026-12-04 14:30:00

An officer asks the applicant for more documents ("yêu cầu bổ sung hồ sơ"); while the request is
open the decision deadline stops. Its history is in the event log (request_documents,
supplement_documents); the application keeps the open request's time and message.
"""

import sqlalchemy as sa
from alembic import op

revision = "0026_dossier_requests"
down_revision = "0025_claims"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("documents_requested_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("documents_request", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("documents_request")
        batch.drop_column("documents_requested_at")
