"""A throttle on password checks per address: the login, and the current password that
changing the password or the e-mail address asks for.

The rate limits per client (AUTH_RATE_LIMIT) stop no guessing spread over many client
addresses, nor guessing through a stolen session; this counts the failed checks of one
address wherever they come from. The first PASSWORD_FREE_ATTEMPTS failures in a row
cost nothing; after them each check must wait PASSWORD_BACKOFF_SECONDS after the last
failure, twice as long after each further one, at most PASSWORD_BACKOFF_MAX_SECONDS
(by default 5 free, then 15 s, 30 s, 1 min, 2 min, 4 min, and 5 min from then on). A
correct password after the wait works and clears the count; failures a day old are
forgotten. So a stranger can make the owner wait at most the longest wait after their
last guess, never lock the account; and in a browser where the owner gave the password
before (known_devices.py) the owner's checks have a count of their own, which the
stranger's guesses do not touch.

The key is the normalised address, whether or not it has an account, and a throttled
check is refused before any password is looked at, for every address alike: the
throttle tells nobody whether an account exists. The counts are in the database
(models/counters.py), shared by every worker and machine.
"""

import logging
import math
import time
from collections.abc import Callable

from flask import current_app
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from werkzeug.exceptions import TooManyRequests

from ..extensions import db
from ..limit_storage import address_key
from ..models import PasswordFailures
from .known_devices import known_device, remember_device
from .passwords import verify_password

logger = logging.getLogger(__name__)

# Failures this old are forgotten (and their row swept away).
FORGET_AFTER = 24 * 3600.0
# A check in progress holds its address this long at most (until it records how it
# went): guesses sent in parallel are checked one after another, not all at once.
CHECK_HOLD = 30.0
# Rows of addresses left alone are deleted at most this often by each process.
SWEEP_INTERVAL = 600.0
# An insert that lost the race to another process looks at that process's row instead.
ATTEMPTS = 3


class PasswordThrottled(TooManyRequests):
    """The address must wait before its password is checked again (a 429 page)."""

    def __init__(self, wait: float) -> None:
        seconds = max(1, math.ceil(wait))
        super().__init__(
            f"Too many wrong passwords for this address. Wait {duration(seconds)}, then try again.",
            retry_after=seconds,
        )


def duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def checked_password(address: str, password_hash: str | None, password: str) -> bool:
    """verify_password (pass None for an address without an account) behind the throttle
    of `address`: raises PasswordThrottled while the address must wait, and counts the
    outcome."""
    throttle, key = password_throttle(), throttle_key(address)
    wait = throttle.begin(key)
    if wait > 0:
        raise PasswordThrottled(wait)
    if verify_password(password_hash, password):
        throttle.succeeded(key)
        remember_device(address)
        return True
    throttle.failed(key)
    return False


def throttle_key(address: str) -> str:
    """The count a check of `address` from this browser goes to: the address's own, or
    this browser's for the address when the password was given in it before."""
    device = known_device(address)
    return address_key("password" if device is None else f"password:{device}", address)


class PasswordThrottle:
    def __init__(self) -> None:
        # Seconds since the epoch; tests put a clock they move by hand here.
        self.clock: Callable[[], float] = time.time
        self.next_sweep = 0.0

    def begin(self, key: str) -> float:
        """Before a password check counted under `key`: 0 when it may go ahead (and the
        key is held for it), else the seconds it must wait."""
        table = PasswordFailures.__table__
        for _ in range(ATTEMPTS):
            now = self.clock()
            with db.engine.begin() as connection:
                held = connection.execute(
                    update(table)
                    .where(table.c.key == key, table.c.next_check_at <= now)
                    .values(next_check_at=now + CHECK_HOLD)
                )
                if held.rowcount:
                    return 0.0
                next_check_at = connection.scalar(
                    select(table.c.next_check_at).where(table.c.key == key)
                )
            if next_check_at is not None:
                return next_check_at - now
            try:
                with db.engine.begin() as connection:
                    connection.execute(
                        insert(table).values(
                            key=key, failures=0, next_check_at=now + CHECK_HOLD, last_failure_at=now
                        )
                    )
            except IntegrityError:
                continue  # another check of this address began a moment ago
            self.sweep(now)
            return 0.0
        raise RuntimeError("the password throttle's row kept changing under this check")

    def failed(self, key: str) -> None:
        """The check begun under `key` failed: count it, and set the next one's wait."""
        table = PasswordFailures.__table__
        now = self.clock()
        with db.engine.begin() as connection:
            # Locks the row until the commit: concurrent failures count one after another.
            counted = connection.execute(
                update(table).where(table.c.key == key).values(failures=table.c.failures + 1)
            )
            if not counted.rowcount:
                return  # a correct password cleared the address meanwhile
            failures, last_failure_at = connection.execute(
                select(table.c.failures, table.c.last_failure_at).where(table.c.key == key)
            ).one()
            if last_failure_at < now - FORGET_AFTER:
                failures = 1  # the earlier ones are forgotten
            connection.execute(
                update(table)
                .where(table.c.key == key)
                .values(
                    failures=failures,
                    last_failure_at=now,
                    next_check_at=now + self.wait_after(failures),
                )
            )

    def succeeded(self, key: str) -> None:
        table = PasswordFailures.__table__
        with db.engine.begin() as connection:
            connection.execute(delete(table).where(table.c.key == key))

    @staticmethod
    def wait_after(failures: int) -> float:
        """Seconds between the last of `failures` failures in a row and the next check."""
        config = current_app.config
        over = failures - config["PASSWORD_FREE_ATTEMPTS"]
        if over < 0:
            return 0.0
        wait = config["PASSWORD_BACKOFF_SECONDS"] * 2 ** min(over, 32)
        return float(min(wait, config["PASSWORD_BACKOFF_MAX_SECONDS"]))

    def sweep(self, now: float) -> None:
        """Delete the rows of addresses whose failures are forgotten (at most once per
        SWEEP_INTERVAL); a failure leaves them for the next sweep."""
        if now < self.next_sweep:
            return
        self.next_sweep = now + SWEEP_INTERVAL
        table = PasswordFailures.__table__
        try:
            with db.engine.begin() as connection:
                connection.execute(
                    delete(table).where(
                        table.c.last_failure_at < now - FORGET_AFTER, table.c.next_check_at <= now
                    )
                )
        except SQLAlchemyError as error:
            logger.warning("Could not delete forgotten password failures: %s", error)


def password_throttle() -> PasswordThrottle:
    """The current app's PasswordThrottle."""
    throttle = current_app.extensions.get("password_throttle")
    if throttle is None:
        throttle = current_app.extensions.setdefault("password_throttle", PasswordThrottle())
    return throttle
