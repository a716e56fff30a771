"""Sending e-mail: text and HTML from templates, on a background thread.

A request never waits for the mail server and never fails because of it: the message
is handed to a thread that has its own app context, and a failure is logged with the
recipient and the reason. Without MAIL_SERVER (development) messages are written to
the log instead. `send_email` is the one place to change for a job queue later.
"""

import logging
import smtplib
import threading

from flask import Flask, current_app, render_template, url_for
from flask_mail import Connection, Message

logger = logging.getLogger(__name__)


def external_url(endpoint: str, **values: str) -> str:
    """An absolute link for an e-mail, from BASE_URL: never from the request's Host
    header, which an attacker can set to their own domain."""
    return current_app.config["BASE_URL"] + url_for(endpoint, **values)


def send_email(to: str, subject: str, template: str, **context) -> threading.Thread | None:
    """Render email/<template>.txt and .html and send them; returns the sending thread
    (None when the message only went to the log)."""
    app = current_app._get_current_object()
    message = Message(
        subject=f"[{app.config['APP_NAME']}] {subject}",
        recipients=[to],
        body=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
    )
    if not app.config["MAIL_SERVER"]:
        logger.info("E-mail not sent (MAIL_SERVER is not set), to %s:\n%s", to, message.body)
        return None
    thread = threading.Thread(
        target=_deliver, args=(app, message), name=f"mail to {to}", daemon=True
    )
    thread.start()
    return thread


def _deliver(app: Flask, message: Message) -> None:
    with app.app_context():
        try:
            with TimedConnection(app.extensions["mail"]) as connection:
                message.send(connection)
        except (OSError, smtplib.SMTPException) as error:
            # The reason is enough: a traceback of smtplib says nothing more.
            logger.error(
                "E-mail %r to %s failed: %s: %s",
                message.subject,
                ", ".join(message.recipients),
                type(error).__name__,
                error,
            )
        else:
            logger.info("E-mail %r sent to %s", message.subject, ", ".join(message.recipients))


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
