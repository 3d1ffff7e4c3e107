"""privacy of individual holders: each certificate's random verification code

Revision ID: 0008_privacy
Revises: 0008_roles
Create Date: 2026-12-02 19:00:00

The public verification page of a certificate opens only with the code printed next to its
serial (and in its QR code), so sequential serials cannot be walked. Certificates issued before
this migration get a fresh code here. PDFs printed before it carry no code: they still verify by
upload, and a kept file deleted from DATA_DIR/certificates is rendered again with its code.
"""

import sqlalchemy as sa
from alembic import op

from brandname.rules.privacy import new_verification_code

revision = "0008_privacy"
down_revision = "0008_roles"
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.add_column(sa.Column("verification_code", sa.String(length=16), nullable=True))
    certificates = sa.table(
        "certificates", sa.column("id", sa.Integer), sa.column("verification_code", sa.String)
    )
    bind = op.get_bind()
    last = 0
    while True:
        ids = (
            bind.execute(
                sa.select(certificates.c.id)
                .where(certificates.c.id > last, certificates.c.verification_code.is_(None))
                .order_by(certificates.c.id)
                .limit(BATCH)
            )
            .scalars()
            .all()
        )
        if not ids:
            break
        bind.execute(
            certificates.update().where(certificates.c.id == sa.bindparam("ident")),
            [{"ident": ident, "verification_code": new_verification_code()} for ident in ids],
        )
        last = ids[-1]
    with op.batch_alter_table("certificates") as batch:
        batch.alter_column("verification_code", existing_type=sa.String(length=16), nullable=False)


def downgrade():
    with op.batch_alter_table("certificates") as batch:
        batch.drop_column("verification_code")
