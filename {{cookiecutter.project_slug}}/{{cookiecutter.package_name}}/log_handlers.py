"""Log handlers for remote destinations, each fed through a queue by its own thread."""

import atexit
import http.client
import json
import logging
import queue
import sys
from logging.handlers import QueueHandler, QueueListener, SMTPHandler
from typing import Any
from urllib.parse import urlsplit

from flask import has_request_context, request

REMOTE_TIMEOUT_SECONDS = 5.0
WEBHOOK_CONNECTIONS = {"https": http.client.HTTPSConnection, "http": http.client.HTTPConnection}
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


atexit.register(stop_listeners)
