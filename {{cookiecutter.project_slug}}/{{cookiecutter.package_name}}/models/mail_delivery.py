"""The e-mails that queued jobs have sent: a job delivered twice (its worker died before
it was acknowledged) sends nothing the first run sent."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utc_now

JOB_ID_LENGTH = 36  # a Celery task id (UUID)
EMAIL_LENGTH = 254


class MailDelivery(db.Model):
    __tablename__ = "mail_deliveries"

    job_id: Mapped[str] = mapped_column(String(JOB_ID_LENGTH), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(EMAIL_LENGTH), primary_key=True)
    # The daily purge (auth/cleanup.py) drops old notes: a job is never redelivered
    # weeks later.
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
