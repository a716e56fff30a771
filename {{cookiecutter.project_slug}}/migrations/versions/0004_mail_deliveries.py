"""The e-mails queued jobs have sent, so that a job run twice sends once.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_deliveries",
        sa.Column("job_id", sa.String(length=36), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "recipient", name=op.f("pk_mail_deliveries")),
    )
    with op.batch_alter_table("mail_deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_deliveries_sent_at"), ["sent_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mail_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_deliveries_sent_at"))
    op.drop_table("mail_deliveries")
