"""sign-in hardening: sessions that end at sign-out, throttling per account and client, TOTP

Revision ID: 0016_signin
Revises: 0015_renewal
Create Date: 2026-12-03 11:40:00

Each account gets a session generation; a session opened with an older one no longer signs in.
The lockout of a whole account after failed sign-ins (which let anyone lock anyone out) gives way
to growing delays per email and client, in login_throttles. Staff accounts may carry a TOTP
secret (the second factor) and the time step of the last code accepted. password_resets keeps
the "forgot password" links (the hash of each token), each good once and for a limited time.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_signin"
down_revision = "0015_renewal"
branch_labels = None
depends_on = None


def upgrade():
    # in place: recreating the table would trip its own foreign keys (created_by_id) on SQLite
    with op.batch_alter_table("accounts", recreate="never") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client_key", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("email", "client_key", name=op.f("uq_login_throttles_email")),
    )

    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_password_resets_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_resets")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    op.create_index(op.f("ix_password_resets_account_id"), "password_resets", ["account_id"])


def downgrade():
    op.drop_index(op.f("ix_password_resets_account_id"), table_name="password_resets")
    op.drop_table("password_resets")
    op.drop_table("login_throttles")
    # in place: recreating the table would trip its own foreign keys (created_by_id) on SQLite
    with op.batch_alter_table("accounts", recreate="never") as batch:
        batch.drop_column("session_generation")
        batch.drop_column("totp_secret")
        batch.drop_column("totp_last_step")
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime(), nullable=True))
