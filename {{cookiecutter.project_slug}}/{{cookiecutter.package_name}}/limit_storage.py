"""Rate-limit counters in the app's own database: a storage for the `limits` library,
registered (by importing this module) under the URI `database://`.

Flask-Limiter counts here when the cache backend has no server that every worker shares
(caching/<backend>.py rate_limit_storage), and the bound on e-mails per address
(mail_limits.py) always does: the database is the one store every worker and machine of
a deployment shares, and it never lets a limit lapse the way a cache outage would.

Each window is one row (models/counters.py), changed by single statements whose WHERE
clause decides the race, each in a short transaction of its own, on every database. The
storage needs an app context: it uses the current app's engine.
"""

import hashlib
import hmac
import logging
import time
from collections.abc import Callable

from flask import current_app
from limits.storage import Storage
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .extensions import db
from .models import LimitCounter
from .models.user import normalise_email

logger = logging.getLogger(__name__)

DATABASE_STORAGE_URI = "database://"
# Expired windows are deleted at most this often by each storage object, after a hit
# that created a row: a table of every client ever seen would only grow.
SWEEP_INTERVAL = 600.0
# An insert that lost the race to another process counts on that process's row instead.
ATTEMPTS = 3


def stored_key(key: str) -> str:
    """limits' key (it names the client and the limit) as stored: a fixed-length digest."""
    return hashlib.sha256(key.encode()).hexdigest()


def address_key(purpose: str, address: str) -> str:
    """The key of a counter about an address: an HMAC of its normalised form, so that
    every spelling of one mailbox counts together and the table holds no address."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"{purpose}:{normalise_email(address)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class DatabaseStorage(Storage):
    """Fixed windows (Flask-Limiter's default strategy) in the table limit_counters."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: object):
        super().__init__(uri, wrap_exceptions)
        # Seconds since the epoch; tests put a clock they move by hand here.
        self.clock: Callable[[], float] = time.time
        self.next_sweep = 0.0

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the window of `key`, or start a window of `expiry` seconds with
        it when there is none or it has expired; the window's count after the hit."""
        row_key = stored_key(key)
        table = LimitCounter.__table__
        for _ in range(ATTEMPTS):
            now = self.clock()
            with db.engine.begin() as connection:
                # The row stays locked until the commit: the count read is this hit's.
                added = connection.execute(
                    update(table)
                    .where(table.c.key == row_key, table.c.expires_at > now)
                    .values(hits=table.c.hits + amount)
                )
                if added.rowcount:
                    return connection.scalar(select(table.c.hits).where(table.c.key == row_key))
            with db.engine.begin() as connection:
                restarted = connection.execute(
                    update(table)
                    .where(table.c.key == row_key, table.c.expires_at <= now)
                    .values(hits=amount, expires_at=now + expiry)
                )
                if restarted.rowcount:
                    return amount
            try:
                with db.engine.begin() as connection:
                    connection.execute(
                        insert(table).values(key=row_key, hits=amount, expires_at=now + expiry)
                    )
            except IntegrityError:
                continue  # another process started this window a moment ago
            self.sweep(now)
            return amount
        raise RuntimeError(f"the rate-limit window {row_key} kept changing under this hit")

    def decr(self, key: str, amount: int = 1) -> int:
        """Give `amount` back to a live window (a hit that did not happen after all);
        the count after it."""
        row_key = stored_key(key)
        table = LimitCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(
                update(table)
                .where(
                    table.c.key == row_key,
                    table.c.expires_at > self.clock(),
                    table.c.hits >= amount,
                )
                .values(hits=table.c.hits - amount)
            )
            return connection.scalar(select(table.c.hits).where(table.c.key == row_key)) or 0

    def get(self, key: str) -> int:
        table = LimitCounter.__table__
        with db.engine.connect() as connection:
            hits = connection.scalar(
                select(table.c.hits).where(
                    table.c.key == stored_key(key), table.c.expires_at > self.clock()
                )
            )
        return hits or 0

    def get_expiry(self, key: str) -> float:
        table = LimitCounter.__table__
        now = self.clock()
        with db.engine.connect() as connection:
            expires_at = connection.scalar(
                select(table.c.expires_at).where(
                    table.c.key == stored_key(key), table.c.expires_at > now
                )
            )
        return now if expires_at is None else expires_at

    def check(self) -> bool:
        try:
            with db.engine.connect() as connection:
                connection.scalar(select(1))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with db.engine.begin() as connection:
            return connection.execute(delete(LimitCounter.__table__)).rowcount

    def clear(self, key: str) -> None:
        table = LimitCounter.__table__
        with db.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == stored_key(key)))

    def sweep(self, now: float) -> None:
        """Delete the windows that have expired (at most once per SWEEP_INTERVAL). A
        failure costs nothing but a log line: the rows go at the next sweep."""
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_INTERVAL
        table = LimitCounter.__table__
        try:
            with db.engine.begin() as connection:
                connection.execute(delete(table).where(table.c.expires_at <= now))
        except SQLAlchemyError as error:
            logger.warning("Could not delete expired rate-limit windows: %s", error)
