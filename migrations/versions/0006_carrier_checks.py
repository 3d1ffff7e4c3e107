"""carriers check an individual holder's ID number through a keyed hash published per name

Revision ID: 0006_carrier_checks
Revises: 0005
Create Date: 2026-12-02 15:30:00

"""

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from alembic import op

revision = "0006_carrier_checks"
down_revision = "0005"
branch_labels = None
depends_on = None


def _check(number):
    # the same hash as brandname_carrier.rules.holder_check, spelled out so the migration stays as
    # it was written whatever the package later becomes
    salt = secrets.token_hex(16)
    normal = "".join(str(number).split()).upper()
    digest = hmac.new(bytes.fromhex(salt), normal.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{salt}:{digest}"


def upgrade():
    with op.batch_alter_table("brandnames") as batch:
        batch.add_column(sa.Column("holder_check", sa.String(length=100), nullable=True))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "SELECT b.id, h.id_number FROM brandnames b JOIN holders h ON h.id = b.holder_id "
            "WHERE h.kind = 'individual' AND b.status != 'released'"
        )
    ).all()
    for bid, number in rows:
        conn.execute(
            sa.text("UPDATE brandnames SET holder_check = :c WHERE id = :id"),
            {"c": _check(number), "id": bid},
        )


def downgrade():
    with op.batch_alter_table("brandnames") as batch:
        batch.drop_column("holder_check")
