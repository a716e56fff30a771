"""Background jobs without a worker: the broker down or silent, the mail job's retries
and its single delivery. tests/integration/test_worker.py runs them on a real worker."""

import socket
import threading
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.jobs import MAIL_TASK, celery_for
from {{ cookiecutter.package_name }}.outages import RetryPause

from .account_helpers import add_user, flashes, received, register
from .clocks import FakeClock
from .servers import SilentServer, free_port, wait_for

BROKER_SCHEMES = {
    "redis": "redis://127.0.0.1:{port}/0",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:{port}//",
}


class ClosingServer:
    """A port that accepts connections and closes them at once, counting them: a broker
    that is there but broken, whose connection attempts can be seen."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.sock.close()


def log_text(directory):
    path = Path(directory, "app.log")
    return path.read_text() if path.exists() else ""


@pytest.mark.parametrize("broker", sorted(BROKER_SCHEMES))
def test_registration_with_the_broker_down_sends_the_mail_from_the_web_process(
    make_app, mailbox, tmp_path, broker
):
    url = BROKER_SCHEMES[broker].format(port=free_port())
    app = make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        CELERY_BROKER_URL=url,
        LOG_DIR=str(tmp_path),
    )
    client = app.test_client()
    response = register(client, "queued@example.org")
    assert response.status_code == 302
    assert "We have sent a confirmation link" in " ".join(flashes(client.get("/auth/login")))
    [message] = received(mailbox, "queued@example.org")
    assert "/auth/confirm/" in message.get_body(preferencelist=("plain",)).get_content()
    assert wait_for(lambda: "Broker unreachable" in log_text(tmp_path)), "the outage was not logged"


def test_a_silent_broker_costs_one_timeout_then_is_skipped(make_app, mailbox, tmp_path):
    with ClosingServer() as broker, SilentServer() as silent:
        app = make_app(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=mailbox.port,
            CELERY_BROKER_URL=f"redis://127.0.0.1:{broker.port}/0",
            CELERY_BROKER_TIMEOUT=0.5,
            LOG_DIR=str(tmp_path),
        )
        clock = FakeClock()
        app.extensions["broker_pause"] = RetryPause(30, clock=clock)
        client = app.test_client()

        assert register(client, "first@example.org").status_code == 302
        received(mailbox, "first@example.org")
        tries = broker.connections
        assert tries >= 1
        assert register(client, "second@example.org").status_code == 302
        received(mailbox, "second@example.org")
        assert broker.connections == tries, "the broker was tried again within the interval"

        clock.advance(31)
        assert register(client, "third@example.org").status_code == 302
        received(mailbox, "third@example.org")
        assert broker.connections > tries, "the broker was not tried again after the interval"

        # A broker that takes the connection and never answers: the request still ends.
        app.config["CELERY_BROKER_URL"] = f"redis://127.0.0.1:{silent.port}/0"
        app.extensions.pop("celery")
        clock.advance(31)
        assert register(client, "fourth@example.org").status_code == 302
        received(mailbox, "fourth@example.org")


def mail_task(app):
    return celery_for(app).tasks[MAIL_TASK]


def test_a_mail_job_delivered_twice_sends_one_mail(make_app, mailbox):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port, CELERY_BROKER_URL="memory://")
    user_id = add_user(app, "twice@example.org", confirmed=False)
    args = ("send_confirmation", "https://app.example", [user_id])
    # The same message run twice, as after a worker died before acknowledging it.
    for _ in range(2):
        assert mail_task(app).apply(args=args, task_id="one-delivery").successful()
    [message] = received(mailbox, "twice@example.org")
    assert "https://app.example/auth/confirm/" in message.get_body(("plain",)).get_content()
    assert mail_task(app).apply(args=args, task_id="another-delivery").successful()
    assert len(received(mailbox, "twice@example.org", count=2)) == 2


def test_a_failed_delivery_is_retried_with_growing_waits(make_app, tmp_path):
    app = make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=free_port(),
        CELERY_BROKER_URL="memory://",
        CELERY_MAX_RETRIES=2,
        LOG_DIR=str(tmp_path),
    )
    user_id = add_user(app, "retry@example.org", confirmed=False)
    # Run here (eagerly), each retry at once: the log shows the waits a worker would keep.
    result = mail_task(app).apply(args=("send_confirmation", "https://app.example", [user_id]))
    assert result.failed()
    log = log_text(tmp_path)
    assert "retry 1 in 2s" in log
    assert "retry 2 in 4s" in log
    assert log.count("ConnectionRefusedError") >= 3  # the first try and both retries


def test_a_job_name_that_is_not_a_mail_job_is_dropped(make_app, mailbox, tmp_path):
    app = make_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        CELERY_BROKER_URL="memory://",
        LOG_DIR=str(tmp_path),
    )
    result = mail_task(app).apply(args=("send_email", "https://evil.example", ["x@example.org"]))
    assert result.successful()
    assert "Unknown e-mail job 'send_email' dropped" in log_text(tmp_path)
    # Nothing for the address in the message (the administrators may get an error report).
    assert not [message for message in mailbox.messages if "x@example.org" in message.rcpt_tos]


def test_status_reports_a_broker_that_is_down_as_degraded(make_app, tmp_path):
    with ClosingServer() as broker:
        app = make_app(
            CELERY_BROKER_URL=f"redis://127.0.0.1:{broker.port}/0", LOG_DIR=str(tmp_path)
        )
        clock = FakeClock()
        app.extensions["broker_pause"] = RetryPause(30, clock=clock)
        client = app.test_client()
        response = client.get("/status")
        assert response.status_code == 200
        assert response.get_json() == {
            "status": "degraded",
            "database": "ok",
            "cache": "ok",
            "broker": "down",
        }
        assert "Broker failed the status probe" in log_text(tmp_path)
        # The next probes within the interval answer without asking the broker.
        tries = broker.connections
        assert client.get("/status").get_json()["broker"] == "down"
        assert broker.connections == tries
        clock.advance(31)
        assert client.get("/status").get_json()["broker"] == "down"
        assert broker.connections > tries
