"""Background jobs on Celery: `celery -A {{ cookiecutter.package_name }}.jobs worker` runs them,
`celery -A {{ cookiecutter.package_name }}.jobs beat` schedules the periodic ones.

The web process only enqueues (enqueue_mail_job); a worker runs each job inside the Flask
app. A job is acknowledged when it has finished (acks_late), so a worker killed mid-job
leaves it on the queue for another worker; a failed job is retried with growing waits.
Every job may run more than once, so each is idempotent: a mail job records what it
delivered and skips a repeat, the purge deletes what is still there to delete.

Without CELERY_BROKER_URL, or while the broker is down, the web process runs the jobs
itself (mail.py), so nothing is lost.
"""

import functools
import logging
import smtplib
import ssl
from collections.abc import Sequence
from typing import Any

from celery import Celery, Task, shared_task
from celery.schedules import crontab
from flask import Flask, current_app, g
from sqlalchemy.exc import SQLAlchemyError

from .outages import OutageLog, RetryPause, failure_reason, outage_log

logger = logging.getLogger(__name__)

MAIL_TASK = "{{ cookiecutter.package_name }}.send_mail"
PURGE_TASK = "{{ cookiecutter.package_name }}.purge_unconfirmed_accounts"
# Errors worth another try later: the mail server or the database did not answer.
TRANSIENT_ERRORS = (OSError, smtplib.SMTPException, SQLAlchemyError)


def celery_for(app: Flask) -> Celery:
    """The app's Celery, made on first use: web processes that never enqueue never
    import it."""
    celery = app.extensions.get("celery")
    if celery is None:
        celery = app.extensions.setdefault("celery", make_celery(app))
    return celery


def make_celery(app: Flask, worker: bool = False) -> Celery:
    class AppContextTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.import_name, task_cls=AppContextTask)
    celery.conf.update(celery_config(app.config, app.instance_path, worker=worker))
    return celery


def celery_config(config: dict[str, Any], instance_path: str, worker: bool) -> dict[str, Any]:
    timeout = config["CELERY_BROKER_TIMEOUT"]
    visibility = config["CELERY_VISIBILITY_TIMEOUT"]
    transport: dict[str, Any] = {
        # Redis: how soon a dead worker's job comes back, and how often workers look.
        "visibility_timeout": visibility,
        "unacked_restore_interval": max(1, min(10, visibility // 4)),
        "unacked_restore_throttle": 1,
        "socket_connect_timeout": timeout,
    }
    if not worker:
        # A request hands a job over once, within the timeout (Redis, then RabbitMQ's
        # py-amqp): when that fails it sends the mail itself, at once, instead of waiting
        # through reconnection attempts. A worker keeps Celery's patient defaults.
        transport.update(socket_timeout=timeout, read_timeout=timeout, write_timeout=timeout)
        transport["max_retries"] = 0
    settings = {
        "broker_url": config["CELERY_BROKER_URL"],
        # Celery prefers the variable CELERY_BROKER_URL to broker_url; these two it takes
        # from here, so the app's config (which read that variable) has the last word.
        "broker_read_url": config["CELERY_BROKER_URL"],
        "broker_write_url": config["CELERY_BROKER_URL"],
        "broker_connection_timeout": timeout,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": transport,
        "task_default_queue": config["CELERY_QUEUE"],
        "task_acks_late": True,
        # A worker process killed mid-job (SIGKILL, out of memory): the job goes back to
        # the queue instead of being recorded as failed.
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # No job returns anything anyone waits for: no result backend.
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        # The app's logging (logs/) stays as configured.
        "worker_hijack_root_logger": False,
        "beat_schedule": {
            "purge-unconfirmed-accounts": {
                "task": PURGE_TASK,
                "schedule": crontab(hour=3, minute=17),
            },
        },
        "beat_schedule_filename": config["CELERY_BEAT_SCHEDULE_FILE"]
        or f"{instance_path}/celerybeat-schedule",
    }
    if (
        config["CELERY_BROKER_URL"].startswith("rediss://")
        and not config["CELERY_BROKER_TLS_VERIFY"]
    ):
        settings["broker_use_ssl"] = {"ssl_cert_reqs": ssl.CERT_NONE}
    return settings


@functools.cache
def worker_celery() -> Celery:
    from . import create_app

    app = create_app()
    celery = make_celery(app, worker=True)
    app.extensions["celery"] = celery
    return celery


def __getattr__(name: str) -> Any:
    # `celery -A {{ cookiecutter.package_name }}.jobs` looks up `celery` here: the worker's
    # Flask app is made on that first lookup, not when the web process imports this module.
    if name == "celery":
        return worker_celery()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Enqueueing, in the web process


def broker_pause() -> RetryPause:
    """After a failed hand-over the broker is left alone for CELERY_BROKER_RETRY_INTERVAL."""
    pause = current_app.extensions.get("broker_pause")
    if pause is None:
        pause = current_app.extensions.setdefault(
            "broker_pause", RetryPause(current_app.config["CELERY_BROKER_RETRY_INTERVAL"])
        )
    return pause


def broker_outages() -> OutageLog:
    return outage_log(
        "broker",
        lambda config: OutageLog(logger, config["CELERY_BROKER_RETRY_INTERVAL"], logging.WARNING),
    )


def enqueue_mail_job(job_name: str, link_base: str, args: Sequence[Any]) -> bool:
    """Hand the mail job to the broker; False when that failed (or failed recently), and
    the caller must run the job itself."""
    if not broker_pause().allows():
        return False
    try:
        celery_for(current_app).send_task(
            MAIL_TASK, args=(job_name, link_base, list(args)), retry=False
        )
    except Exception as error:  # any failure to enqueue: the mail goes out from here
        broker_pause().failed()
        broker_outages().failure(
            "Broker unreachable: e-mail is sent from the web process meanwhile", error
        )
        return False
    broker_outages().recovery("Broker reachable again: e-mail goes through the queue.")
    return True


def check_broker() -> dict[str, Any]:
    """For /status: connect to the broker once, within CELERY_BROKER_TIMEOUT. Within
    CELERY_BROKER_RETRY_INTERVAL of a failure it is not asked again: a silent broker
    must not hold a web worker for every probe of the load balancer."""
    if not broker_pause().allows():
        return {"ok": False, "error": "failed recently; not asked again yet"}
    try:
        with celery_for(current_app).connection_for_write() as connection:
            connection.ensure_connection(max_retries=0)
    except Exception as error:
        broker_pause().failed()
        return {"ok": False, "error": failure_reason(error)}
    return {"ok": True}


# The jobs, in the worker


def retry_later(task: Task, error: BaseException) -> Exception:
    """The Retry to raise: waits of about CELERY_RETRY_BACKOFF x 2^n seconds, capped; after
    CELERY_MAX_RETRIES the error itself, and the job is given up."""
    config = current_app.config
    retries, limit = task.request.retries, config["CELERY_MAX_RETRIES"]
    reason = f"{type(error).__name__}: {error}"
    countdown = min(config["CELERY_RETRY_BACKOFF"] * 2**retries, config["CELERY_RETRY_BACKOFF_MAX"])
    if retries >= limit:
        logger.error("Job %s failed (%s); given up after %d retries", task.name, reason, retries)
    else:
        logger.warning(
            "Job %s failed (%s); retry %d in %.0fs", task.name, reason, retries + 1, countdown
        )
    return task.retry(exc=error, countdown=countdown, max_retries=limit)


@shared_task(name=MAIL_TASK, bind=True)
def send_mail(self: Task, job_name: str, link_base: str, args: list[Any]) -> None:
    """Run the mail job `job_name` (auth/emails.py) with `args`."""
    from .auth.emails import MAIL_JOBS
    from .mail import MailDeliveryError

    job = MAIL_JOBS.get(job_name)
    if job is None:
        logger.error("Unknown e-mail job %r dropped", job_name)
        return
    g.link_base = link_base
    # A job delivered again after a crash sends nothing it has sent (mail.send_email).
    g.mail_delivery_id = self.request.id
    try:
        job(*args)
    except (MailDeliveryError, *TRANSIENT_ERRORS) as error:
        raise retry_later(self, error) from error


@shared_task(name=PURGE_TASK, bind=True)
def purge_unconfirmed_accounts(self: Task) -> int:
    """Remove the accounts left unconfirmed for UNCONFIRMED_ACCOUNT_DAYS (daily, beat)."""
    from .auth.cleanup import purge_unconfirmed

    try:
        return purge_unconfirmed(current_app.config["UNCONFIRMED_ACCOUNT_DAYS"])
    except SQLAlchemyError as error:
        raise retry_later(self, error) from error
