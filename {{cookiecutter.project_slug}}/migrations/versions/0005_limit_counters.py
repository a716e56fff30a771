"""Counters of the limits every process must share: rate-limit windows, and failed
password checks per address.

Revision ID: 0005
Revises: {{ "0004" if cookiecutter.background_jobs == "celery" else "0003" }}
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "{{ "0004" if cookiecutter.background_jobs == "celery" else "0003" }}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "limit_counters",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_limit_counters")),
    )
    with op.batch_alter_table("limit_counters", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_limit_counters_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "password_failures",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("next_check_at", sa.Double(), nullable=False),
        sa.Column("last_failure_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_password_failures")),
    )
    with op.batch_alter_table("password_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_password_failures_last_failure_at"), ["last_failure_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("password_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_password_failures_last_failure_at"))
    op.drop_table("password_failures")
    with op.batch_alter_table("limit_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_limit_counters_expires_at"))
    op.drop_table("limit_counters")
