"""Removing accounts never confirmed: their address is free again for a real owner, and
nobody keeps data the owner of the address never agreed to.{%- if cookiecutter.background_jobs == "celery" %}
Run daily by Celery beat (jobs.py){%- else %} Run it daily (cron, a
scheduler of your platform){%- endif %}, or by hand: `flask users purge-unconfirmed`.
"""

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from ..extensions import db
from ..models import {% if cookiecutter.background_jobs == "celery" %}MailDelivery, {% endif %}User
from ..models.types import utc_now

logger = logging.getLogger(__name__)

# Accounts removed per transaction: a large backlog never holds long locks.
BATCH_SIZE = 500
{%- if cookiecutter.background_jobs == "celery" %}
# The notes of sent e-mails (mail.record_delivery) are kept this long.
MAIL_DELIVERY_DAYS = 30
{%- endif %}


def purge_unconfirmed(days: int, now: datetime | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Delete the accounts registered more than `days` days before `now` and still
    unconfirmed; returns how many. Safe to run twice, or in two processes at once."""
    now = now or utc_now()
    cutoff = now - timedelta(days=days)
    removed = 0
    while True:
        ids = db.session.scalars(
            select(User.id)
            .where(User.confirmed.is_(False), User.created_at < cutoff)
            .order_by(User.id)
            .limit(batch_size)
        ).all()
        if not ids:
            break
        # Their rows in other tables go by the foreign keys' ON DELETE (tasks are kept,
        # without an owner; tokens and logins are deleted), on SQLite too (database.py).
        db.session.execute(
            delete(User).where(User.id.in_(ids), User.confirmed.is_(False)),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
        removed += len(ids)
    {%- if cookiecutter.background_jobs == "celery" %}
    db.session.execute(
        delete(MailDelivery).where(MailDelivery.sent_at < now - timedelta(days=MAIL_DELIVERY_DAYS))
    )
    db.session.commit()
    {%- endif %}
    logger.info("Removed %d account(s) unconfirmed for %d days", removed, days)
    return removed
