"""Sending e-mail: text and HTML from templates, off the request.

A request never waits for the mail server and never fails because of it: it hands the
whole job (looking up the account, making the token, rendering, sending) to
{%- if cookiecutter.background_jobs == "celery" %} the job queue
(jobs.py), or, without a broker or while it is down, to a thread with its own app
context{%- else %} a thread
with its own app context{%- endif %}; a failure is logged with the recipient and the reason.
Because the request does the same thing whether or not a mail will go out, its timing
tells nobody whether an address has an account. Without MAIL_SERVER (development)
messages are written to the log instead.
"""

import logging
import smtplib
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, has_request_context, render_template, request
from flask_mail import Connection, Message

from .mail_limits import mail_limit

logger = logging.getLogger(__name__)
# Background mail threads are named with it (the tests wait for them).
MAIL_THREAD_PREFIX = "mail: "


class MailDeliveryError(Exception):
    """The mail server refused the message or did not answer (already logged)."""


def link_base() -> str:
    """Where links in e-mails point: BASE_URL (required in production), never the
    request's Host header, which an attacker can set to their own domain. Without it
    (development) the links keep the user on the host they came from."""
    return current_app.config["BASE_URL"] or request.url_root.rstrip("/")


def in_background(job: Callable[..., Any], *args: Any) -> None:
    """Run `job(*args)` off the request, in an app context that knows the link base of
    this request. `args` are plain values{%- if cookiecutter.background_jobs == "celery" %} (JSON: they travel through the broker){%- endif %}."""
    base = link_base()
    if has_request_context():
        # Handed over when the request is over: running beside it, the job's work (which
        # depends on what it finds) would slow the response down, and tell by its timing.
        g.setdefault("mail_jobs", []).append((job, base, args))
    else:
        hand_over(job, base, args)


def start_mail_jobs(error: BaseException | None = None) -> None:
    """teardown_request hook: hand over the jobs the request left."""
    for job, base, args in g.pop("mail_jobs", []):
        hand_over(job, base, args)


def hand_over(job: Callable[..., Any], base: str, args: tuple[Any, ...]) -> None:
    {%- if cookiecutter.background_jobs == "celery" %}
    if current_app.config["CELERY_BROKER_URL"]:
        from .jobs import enqueue_mail_job  # imports Celery: only where there is a broker

        if enqueue_mail_job(job.__name__, base, args):
            return
    {%- endif %}
    # The app itself, not the proxy: the thread has no context to resolve it in (Flask's
    # documented use of _get_current_object).
    start_thread(current_app._get_current_object(), job, base, args)


def start_thread(app: Flask, job: Callable[..., Any], base: str, args: tuple[Any, ...]) -> None:
    def run() -> None:
        with app.app_context():
            g.link_base = base
            try:
                job(*args)
            except MailDeliveryError:
                pass  # logged where it failed
            except Exception:
                logger.exception("E-mail job %s failed", job.__name__)

    threading.Thread(target=run, name=MAIL_THREAD_PREFIX + job.__name__, daemon=True).start()


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute link for an e-mail, in a job handed over by in_background."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return g.link_base + path


def send_email(to: str, subject: str, template: str, **context: Any) -> None:
    """Render email/<template>.txt and .html and send them now (from a background job),
    unless `to` has had its MAIL_PER_ADDRESS_PER_HOUR mails this hour (mail_limits.py).

    Raises MailDeliveryError when the server refuses or does not answer{%- if cookiecutter.background_jobs == "celery" %}: a queued job is then
    retried later{%- endif %}."""
    if not mail_limit().take(to):
        return  # the address has had its share this hour (logged by mail_limits)
    message = Message(
        subject=f"[{current_app.config['APP_NAME']}] {subject}",
        recipients=[to],
        body=render_template(f"email/{template}.txt", **context),
        html=render_template(f"email/{template}.html", **context),
    )
    if not current_app.config["MAIL_SERVER"]:
        logger.info("E-mail not sent (MAIL_SERVER is not set), to %s:\n%s", to, message.body)
        return
    {%- if cookiecutter.background_jobs == "celery" %}
    delivery = g.get("mail_delivery_id")  # set by a queued job (jobs.send_mail)
    if delivery and was_delivered(delivery, to):
        logger.info("E-mail %r to %s was sent by an earlier run of this job", message.subject, to)
        return
    {%- endif %}
    try:
        with TimedConnection(current_app.extensions["mail"]) as connection:
            message.send(connection)
    except (OSError, smtplib.SMTPException) as error:
        # The reason is enough: a traceback of smtplib says nothing more.
        logger.error(
            "E-mail %r to %s failed: %s: %s", message.subject, to, type(error).__name__, error
        )
        mail_limit().give_back(to)
        raise MailDeliveryError(to) from error
    logger.info("E-mail %r sent to %s", message.subject, to)
    {%- if cookiecutter.background_jobs == "celery" %}
    if delivery:
        record_delivery(delivery, to)
    {%- endif %}


{%- if cookiecutter.background_jobs == "celery" %}


def was_delivered(delivery: str, to: str) -> bool:
    from .extensions import db
    from .models import MailDelivery

    return db.session.get(MailDelivery, (delivery, to)) is not None


def record_delivery(delivery: str, to: str) -> None:
    """Note that the job `delivery` has sent its mail to `to`. Should the database fail
    here, the job still ends: sending the mail again would be worse than a lost note."""
    from sqlalchemy.exc import SQLAlchemyError

    from .database import discard_failed_session
    from .extensions import db
    from .models import MailDelivery

    db.session.add(MailDelivery(job_id=delivery, recipient=to))
    try:
        db.session.commit()
    except SQLAlchemyError as error:
        discard_failed_session()
        logger.warning("E-mail job %s sent its mail but could not record it: %s", delivery, error)
{%- endif %}


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
