"""Failures of an outside service, logged once per interval instead of once per request.

Error records are mailed and posted (logs/): a dead database hit by every
request must cost one message per interval, not one per request.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app


class OutageLog:
    """Reports the failures of one service, at most one record per `interval` seconds."""

    def __init__(
        self,
        logger: logging.Logger,
        interval: float,
        level: int = logging.ERROR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.logger = logger
        self.interval = interval
        self.level = level
        self.clock = clock  # tests put a clock they can advance here
        self.down = False
        self._last_report = float("-inf")
        self._lock = threading.Lock()

    def failure(self, message: str, reason: BaseException | str) -> bool:
        """Log `message` with the reason (an exception or a sentence), unless this outage
        was reported within the interval. Returns whether a record was written."""
        now = self.clock()
        with self._lock:
            self.down = True
            if now - self._last_report < self.interval:
                return False
            self._last_report = now
        self.logger.log(
            self.level,
            "%s (%s). Next report in %ss at the earliest.",
            message,
            reason if isinstance(reason, str) else failure_reason(reason),
            self.interval,
        )
        return True

    def recovery(self, message: str) -> None:
        """Log the end of a reported outage; the next failure is then reported at once."""
        with self._lock:
            if not self.down:
                return
            self.down = False
            self._last_report = float("-inf")
        self.logger.warning(message)


class RetryPause:
    """After a failure, leave the service alone for `interval` seconds: a dead or silent
    server then costs one caller its timeout, not every caller."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock  # tests put a clock they can advance here
        self._until = float("-inf")

    def allows(self) -> bool:
        return self.clock() >= self._until

    def failed(self) -> None:
        self._until = self.clock() + self.interval


def failure_reason(error: BaseException) -> str:
    """The exception's type and the first line of its message: no traceback, no
    statement with its parameters."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def outage_log(name: str, create: Callable[[dict[str, Any]], OutageLog]) -> OutageLog:
    """The current app's log for the service `name`, made by `create(config)` on first use."""
    logs: dict[str, OutageLog] = current_app.extensions.setdefault("outage_logs", {})
    log = logs.get(name)
    if log is None:
        # setdefault: of two threads creating it at once, both get the one that stays.
        log = logs.setdefault(name, create(current_app.config))
    return log
