"""Login records (a logout ends copies of its cookies), and one spelling per mailbox:
addresses re-normalised (NFKC, the domain's IDNA form) and, on MySQL and MariaDB,
compared byte for byte instead of by the case- and accent-insensitive collation.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

import logging

import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

logger = logging.getLogger(__name__)
MYSQL_FAMILY = ("mysql", "mariadb")


def upgrade() -> None:
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_login_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_login_sessions_key_hash")),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)
    if op.get_bind().dialect.name in MYSQL_FAMILY:
        set_email_collation("utf8mb4_bin")
    renormalise_emails()


def downgrade() -> None:
    if op.get_bind().dialect.name in MYSQL_FAMILY:
        set_email_collation(None)  # the table's default again
    op.drop_table("login_sessions")  # with its index: MySQL keeps the one its key uses


def set_email_collation(collation: str | None) -> None:
    op.alter_column(
        "users",
        "email",
        existing_type=sa.String(length=254),
        type_=sa.String(254, collation=collation),
        existing_nullable=False,
    )


def renormalise_emails() -> None:
    """Stored addresses in today's normal form (models.user.normalise_email, restated
    here: a migration must not change when the app does). An address that is invalid
    now, or whose new form another account already has, is left as it was and logged."""
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.email)).all()
    taken = {email for _, email in rows}
    for user_id, email in rows:
        try:
            address = validate_email(email, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError as error:
            logger.warning("User %s keeps the address %r: %s", user_id, email, error)
            continue
        local_part, _, domain = address.ascii_email.rpartition("@")
        normal = f"{local_part.lower()}@{domain.lower()}"
        if normal == email:
            continue
        if normal in taken:
            logger.warning("User %s keeps %r: another account has %r", user_id, email, normal)
            continue
        connection.execute(users.update().where(users.c.id == user_id).values(email=normal))
        taken.add(normal)
