"""Sending e-mail: text and HTML from templates, off the request.

A request never waits for the mail server and never fails because of it: it hands the
whole job (looking up the account, making the token, rendering, sending) to a thread
with its own app context, and a failure is logged with the recipient and the reason.
Because the request does the same thing whether or not a mail will go out, its timing
tells nobody whether an address has an account. Without MAIL_SERVER (development)
messages are written to the log instead. `in_background` is the one place to change
for a job queue later.
"""

import logging
import smtplib
import threading
from collections.abc import Callable
from typing import Any

from flask import current_app, g, has_request_context, render_template, request
from flask_mail import Connection, Message

logger = logging.getLogger(__name__)
# Background mail threads are named with it (the tests wait for them).
MAIL_THREAD_PREFIX = "mail: "


def link_base() -> str:
    """Where links in e-mails point: BASE_URL (required in production), never the
    request's Host header, which an attacker can set to their own domain. Without it
    (development) the links keep the user on the host they came from."""
    return current_app.config["BASE_URL"] or request.url_root.rstrip("/")


def in_background(job: Callable[..., Any], *args: Any) -> None:
    """Run `job(*args)` on a thread of its own, in an app context that knows the link
    base of this request."""
    app = current_app._get_current_object()
    base = link_base()

    def run() -> None:
        with app.app_context():
            g.link_base = base
            try:
                job(*args)
            except Exception:
                logger.exception("E-mail job %s failed", job.__name__)

    thread = threading.Thread(target=run, name=MAIL_THREAD_PREFIX + job.__name__, daemon=True)
    if has_request_context():
        # Started when the request is over: running beside it, the job's work (which
        # depends on what it finds) would slow the response down, and tell by its timing.
        g.setdefault("mail_jobs", []).append(thread)
    else:
        thread.start()


def start_mail_jobs(error: BaseException | None = None) -> None:
    """teardown_request hook: start the jobs the request handed over."""
    for thread in g.pop("mail_jobs", []):
        thread.start()


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail, in a job started by in_background."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return g.link_base + path


def send_email(to: str, subject: str, template: str, **context: Any) -> None:
    """Render email/<template>.txt and .html and send them now (from a background job)."""
    app = current_app._get_current_object()
    message = Message(
        subject=f"[{app.config['APP_NAME']}] {subject}",
        recipients=[to],
        body=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
    )
    if not app.config["MAIL_SERVER"]:
        logger.info("E-mail not sent (MAIL_SERVER is not set), to %s:\n%s", to, message.body)
        return
    try:
        with TimedConnection(app.extensions["mail"]) as connection:
            message.send(connection)
    except (OSError, smtplib.SMTPException) as error:
        # The reason is enough: a traceback of smtplib says nothing more.
        logger.error(
            "E-mail %r to %s failed: %s: %s", message.subject, to, type(error).__name__, error
        )
    else:
        logger.info("E-mail %r sent to %s", message.subject, to)


class TimedConnection(Connection):
    """Flask-Mail's connection with a timeout: a silent server must not hold a thread
    forever."""

    def configure_host(self):
        mail = self.mail
        timeout = current_app.config["MAIL_TIMEOUT"]
        if mail.use_ssl:
            host = smtplib.SMTP_SSL(mail.server, mail.port, timeout=timeout)
        else:
            host = smtplib.SMTP(mail.server, mail.port, timeout=timeout)
        if mail.use_tls:
            host.starttls()
        if mail.username and mail.password:
            host.login(mail.username, mail.password)
        return host


def delivery_note() -> str:
    """What a page says after it asked for an e-mail."""
    if not current_app.config["MAIL_SERVER"]:
        return "MAIL_SERVER is not set, so the e-mail was written to the server's log instead."
    return "It may take a few minutes to arrive; check your spam folder too."
