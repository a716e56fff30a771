"""Log handlers for remote destinations, each fed through a queue by its own thread,
and the throttle that keeps a burst of errors from flooding them."""

import atexit
import http.client
import json
import logging
import os
import queue
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from logging.handlers import QueueHandler, QueueListener, SMTPHandler
from typing import Any
from urllib.parse import urlsplit

from flask import has_request_context, request

REMOTE_TIMEOUT_SECONDS = 5.0
WEBHOOK_CONNECTIONS = {"https": http.client.HTTPSConnection, "http": http.client.HTTPConnection}
# Distinct errors remembered per throttle; past this the longest-unreported are forgotten.
MAX_TRACKED_ERRORS = 500
_listeners: list[QueueListener] = []


class RequestContextFilter(logging.Filter):
    """Add the request's method, URL and client to records (dashes outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.method = request.method
            record.url = request.url
            record.remote_addr = request.remote_addr
        else:
            record.method = record.url = record.remote_addr = "-"
        return True


def error_fingerprint(record: logging.LogRecord) -> Hashable:
    """What makes two records the same error: logger, message template (not its
    arguments), and the exception's type and the line that raised it."""
    template = record.msg if isinstance(record.msg, str) else type(record.msg).__qualname__
    if (
        has_request_context()
        and request.url_rule is not None
        and template == f"Exception on {request.path} [{request.method}]"
    ):
        # Flask writes the path into its message for unhandled exceptions: without
        # this, each /tasks/<id> that fails would count as an error of its own.
        template = f"Exception on {request.url_rule.rule} [{request.method}]"
    exc_type, location = None, None
    if record.exc_info and record.exc_info[0] is not None:
        exc_type = record.exc_info[0]
        traceback = record.exc_info[2]
        while traceback is not None and traceback.tb_next is not None:
            traceback = traceback.tb_next
        if traceback is not None:
            location = (traceback.tb_frame.f_code.co_filename, traceback.tb_lineno)
    return (record.name, template, exc_type, location)


@dataclass
class _ReportedError:
    reported_at: float
    held_back: int = 0


class ErrorReportThrottle(logging.Filter):
    """Pass one record per distinct error per interval, and count the others.

    Whoever can cause an error could otherwise flood the admins' inbox and Slack. The
    record that passes after an interval carries `reports_held_back`, the number held
    back since the last report (ErrorReportFormatter writes it). Each process keeps
    its own table: several workers may each report the same error once.
    """

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        max_errors: int = MAX_TRACKED_ERRORS,
    ) -> None:
        super().__init__()
        self.interval = interval
        self.clock = clock
        self.max_errors = max_errors
        # Ordered by the time of the last report, oldest first.
        self.errors: OrderedDict[Hashable, _ReportedError] = OrderedDict()
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        fingerprint = error_fingerprint(record)
        now = self.clock()
        with self._lock:
            known = self.errors.get(fingerprint)
            if known is not None and now - known.reported_at < self.interval:
                known.held_back += 1
                return False
            self.errors.pop(fingerprint, None)
            self.errors[fingerprint] = _ReportedError(reported_at=now)
            self._forget(now)
        # The record is shared with the other handlers, which ignore this attribute;
        # each throttled handler sets it before its own handler formats the record.
        record.reports_held_back = known.held_back if known else 0
        return True

    def _forget(self, now: float) -> None:
        # An error whose interval is over and that held nothing back is as good as
        # unknown; one with a count is kept until its next report can carry it, unless
        # the table is full.
        forgotten = []
        for fingerprint, known in self.errors.items():
            if now - known.reported_at < self.interval:
                break  # the rest were reported later still
            if not known.held_back:
                forgotten.append(fingerprint)
        for fingerprint in forgotten:
            del self.errors[fingerprint]
        while len(self.errors) > self.max_errors:
            self.errors.popitem(last=False)


class ErrorReportFormatter(logging.Formatter):
    """A report opens with how many similar errors were held back since the last one."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        held_back = getattr(record, "reports_held_back", 0)
        if not held_back:
            return text
        verb = "was" if held_back == 1 else "were"
        return f"({held_back} more like this since the last report {verb} not sent)\n{text}"


class QuietHandlerMixin:
    """A remote handler's own failure is one line on stderr, never a traceback or a crash."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 (logging's name)
        error = sys.exc_info()[1]
        sys.stderr.write(
            f"logging: {type(self).__name__} could not deliver a record: "
            f"{type(error).__name__}: {error}\n"
        )


class QuietSMTPHandler(QuietHandlerMixin, SMTPHandler):
    def __init__(self, *args: Any, use_tls: bool = False, **kwargs: Any) -> None:
        # SMTPHandler catches its own errors and calls handleError; it starts TLS
        # (after login credentials are set) only when `secure` is a tuple.
        super().__init__(*args, secure=() if use_tls else None, **kwargs)


class SlackWebhookHandler(QuietHandlerMixin, logging.Handler):
    """Post each record to a Slack incoming webhook."""

    def __init__(self, webhook_url: str, timeout: float = REMOTE_TIMEOUT_SECONDS) -> None:
        super().__init__()
        parts = urlsplit(webhook_url)
        if parts.scheme not in WEBHOOK_CONNECTIONS or not parts.hostname:
            raise ValueError(f"SLACK_WEBHOOK_URL must be an https:// URL, not {webhook_url!r}.")
        self.webhook_url = webhook_url
        self.timeout = timeout

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.post(json.dumps({"text": self.format(record)}).encode())
        except Exception:
            self.handleError(record)

    def post(self, body: bytes) -> None:
        # http.client rather than urlopen: only http(s), never file:// or other handlers.
        parts = urlsplit(self.webhook_url)
        connection = WEBHOOK_CONNECTIONS[parts.scheme](
            parts.hostname, parts.port, timeout=self.timeout
        )
        try:
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            connection.request(
                "POST", path or "/", body=body, headers={"Content-Type": "application/json"}
            )
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                raise OSError(f"Slack answered {response.status} {response.reason}")
        finally:
            connection.close()


def queued(target: logging.Handler) -> QueueHandler:
    """Wrap a slow handler: the caller only enqueues, a listener thread delivers."""
    records: queue.Queue[logging.LogRecord] = queue.Queue(-1)
    listener = QueueListener(records, target, respect_handler_level=True)
    listener.start()
    _listeners.append(listener)
    return QueueHandler(records)


def queued_smtp_handler(**options: Any) -> QueueHandler:
    target = QuietSMTPHandler(timeout=REMOTE_TIMEOUT_SECONDS, **options)
    target.setLevel(logging.ERROR)
    return queued(target)


def queued_slack_handler(webhook_url: str) -> QueueHandler:
    target = SlackWebhookHandler(webhook_url)
    target.setLevel(logging.ERROR)
    return queued(target)


def stop_listeners() -> None:
    """Deliver what is queued, then stop the listener threads."""
    while _listeners:
        _listeners.pop().stop()


def _pause_listeners() -> None:
    # A thread does not survive a fork (gunicorn's workers of a preloaded app), and one
    # caught holding its queue's lock would leave that lock held in the child forever:
    # stopped before the fork, then started again in the parent and in the child.
    for listener in _listeners:
        listener.stop()


def _resume_listeners() -> None:
    for listener in _listeners:
        listener.start()


atexit.register(stop_listeners)
if hasattr(os, "register_at_fork"):  # not on Windows, which never forks
    os.register_at_fork(
        before=_pause_listeners,
        after_in_parent=_resume_listeners,
        after_in_child=_resume_listeners,
    )
