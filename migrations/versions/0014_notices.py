"""notices of revocation: the competent agency's document on the name; mail attachments

Revision ID: 0014_notices
Revises: 0013_journey
Create Date: 2026-12-03 12:00:00

A notice of revocation on ground a or đ of Art. 29(1) prints the competent state agency and its
document. Names revoked before this migration get the document number and date their confirmed
proposal recorded (the agency was not asked then, so it stays empty).

The certificate mails carry the signed PDF: each outbox row lists its attachments by reference.
"""

import json
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0014_notices"
down_revision = "0013_journey"
branch_labels = None
depends_on = None

DOCUMENT_FIELDS = {
    "spam": ("conclusion_number", "conclusion_date"),
    "authority_request": ("request_number", "request_date"),
}


def upgrade():
    with op.batch_alter_table("brandnames") as batch:
        batch.add_column(sa.Column("revocation_agency", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("revocation_document", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("revocation_document_date", sa.Date(), nullable=True))
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT brandname_id, ground, evidence FROM revocation_proposals "
            "WHERE status = 'confirmed' AND ground IN ('spam', 'authority_request')"
        )
    ).all()
    for brandname_id, ground, evidence in rows:
        evidence = json.loads(evidence) if isinstance(evidence, str) else (evidence or {})
        number_field, date_field = DOCUMENT_FIELDS[ground]
        try:
            when = date.fromisoformat(evidence.get(date_field) or "")
        except ValueError:
            when = None
        bind.execute(
            sa.text(
                "UPDATE brandnames SET revocation_document = :number, revocation_document_date = :when "
                "WHERE id = :id AND revocation_ground = :ground"
            ),
            {
                "number": (evidence.get(number_field) or None),
                "when": when,
                "id": brandname_id,
                "ground": ground,
            },
        )


def downgrade():
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("attachments")
    with op.batch_alter_table("brandnames") as batch:
        batch.drop_column("revocation_document_date")
        batch.drop_column("revocation_document")
        batch.drop_column("revocation_agency")
