"""Counters of the limits that must hold for every worker and machine of a deployment,
kept in the database because it is the one store they all share, whatever the cache:
rate-limit windows (limit_storage.py), and failed password checks per address
(auth/throttling.py). Times are seconds since the epoch, from an injectable clock."""

from sqlalchemy import Double, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

# Keys are SHA-256 or HMAC-SHA-256 digests in hex: the same length and the same bytes
# under every collation, and no address or client IP in the table.
COUNTER_KEY_LENGTH = 64


class LimitCounter(db.Model):
    """A fixed window: `hits` counted until `expires_at`, when the next hit starts anew."""

    __tablename__ = "limit_counters"

    key: Mapped[str] = mapped_column(String(COUNTER_KEY_LENGTH), primary_key=True)
    hits: Mapped[int]
    # Indexed for the sweep of expired windows.
    expires_at: Mapped[float] = mapped_column(Double, index=True)


class PasswordFailures(db.Model):
    """The failed password checks of one address in a row, and when the next check of
    it may start."""

    __tablename__ = "password_failures"

    key: Mapped[str] = mapped_column(String(COUNTER_KEY_LENGTH), primary_key=True)
    failures: Mapped[int]
    next_check_at: Mapped[float] = mapped_column(Double)
    # Indexed for the sweep of addresses left alone long enough to be forgotten.
    last_failure_at: Mapped[float] = mapped_column(Double, index=True)
