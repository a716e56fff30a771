"""Jobs on a real broker, run by real `celery worker` processes.

The broker is CELERY_BROKER_URL (default: the local Redis); the template's tests run this
file against Redis and RabbitMQ. Each test has a queue of its own, so runs sharing a
broker never take each other's jobs. The web side is the test client; the worker is a
separate process sharing the test's SQLite file and SMTP server.
"""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from kombu import Connection

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.jobs import PURGE_TASK, celery_for
from {{ cookiecutter.package_name }}.models import User
from {{ cookiecutter.package_name }}.models.types import utc_now
from tests.account_helpers import add_user, get_user, link_in, path_of, received, register
from tests.integration.conftest import unavailable
from tests.servers import wait_for

pytestmark = pytest.mark.integration

PROJECT_DIR = Path(__file__).resolve().parents[2]
BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/0"
BASE_URL = "https://app.example"
# Generous: a worker starts a Python process and the whole app before its first job.
WORKER_DEADLINE = 60.0


@pytest.fixture(scope="module")
def broker_url():
    try:
        with Connection(BROKER_URL, connect_timeout=3) as connection:
            connection.ensure_connection(max_retries=1)
    except Exception as error:
        unavailable(f"broker {BROKER_URL}", str(error).splitlines()[0])
    return BROKER_URL


@pytest.fixture
def job_settings(broker_url, tmp_path, smtp_server):
    """What the web app and its workers share: database, broker queue, mail server."""
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'jobs.sqlite'}",
        "CELERY_BROKER_URL": broker_url,
        "CELERY_QUEUE": f"test-{os.urandom(4).hex()}",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "BASE_URL": BASE_URL,
    }


@pytest.fixture
def web_app(make_app, job_settings, mailbox):
    return make_app(environ=job_settings)


@pytest.fixture
def start_worker(job_settings, tmp_path):
    """start_worker(**environ) -> a running `celery worker` process (stopped after the test)."""
    workers = []

    def start(**environ):
        log_path = tmp_path / f"worker-{len(workers)}.log"
        env = {
            **os.environ,
            "APP_ENV": "testing",
            "SECRET_KEY": "test-secret",
            "ARGON2_TIME_COST": "1",
            "ARGON2_MEMORY_COST": "8",
            "ARGON2_PARALLELISM": "1",
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOG_DIR": "",
            "PYTHONPATH": str(PROJECT_DIR),
            **job_settings,
            **environ,
        }
        command = [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "{{ cookiecutter.package_name }}.jobs",
            "worker",
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
            "--queues",
            env["CELERY_QUEUE"],
        ]
        log = log_path.open("w")
        process = subprocess.Popen(  # noqa: S603 (a fixed command)
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        workers.append((process, log))
        return process

    yield start
    for process, log in workers:
        process.kill()
        process.wait(timeout=30)
        log.close()


@contextmanager
def holding_smtp_server():
    """An SMTP port that accepts the connection and never greets: a job sending to it
    is stuck mid-way until its worker dies. Yields a function telling whether a
    connection has come in."""
    import socket

    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.1)
        held = []

        def connected():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                return bool(held)
            held.append(connection)
            return True

        try:
            yield server.getsockname()[1], connected
        finally:
            for connection in held:
                connection.close()


def test_a_registration_made_without_a_worker_is_mailed_when_one_starts(
    web_app, start_worker, mailbox
):
    client = web_app.test_client()
    assert register(client, "patient@example.org").status_code == 302
    # Queued, not sent: no worker runs, and the web process did not send it itself.
    assert not mailbox.messages

    start_worker()
    [message] = received(mailbox, "patient@example.org", timeout=WORKER_DEADLINE)
    link = link_in(message, BASE_URL)
    client.get(path_of(link, BASE_URL))
    assert get_user(web_app, "patient@example.org").confirmed


def test_a_job_whose_worker_is_killed_is_finished_by_another(
    web_app, start_worker, mailbox, tmp_path
):
    with holding_smtp_server() as (stuck_port, connected):
        first = start_worker(
            MAIL_PORT=str(stuck_port),
            MAIL_TIMEOUT="600",
            # Redis hands a dead worker's job out again after this many seconds.
            CELERY_VISIBILITY_TIMEOUT="2",
        )
        register(web_app.test_client(), "survivor@example.org")
        assert wait_for(connected, WORKER_DEADLINE), "the job never reached the mail server"
        first.send_signal(signal.SIGKILL)  # mid-job: connected, nothing sent
        first.wait(timeout=30)

    start_worker(CELERY_VISIBILITY_TIMEOUT="2")
    [message] = received(mailbox, "survivor@example.org", timeout=WORKER_DEADLINE)
    assert "/auth/confirm/" in message.get_body(("plain",)).get_content()


def test_the_purge_job_runs_on_the_worker(web_app, start_worker):
    old = add_user(web_app, "abandoned@example.org", confirmed=False)
    add_user(web_app, "recent@example.org", confirmed=False)
    with web_app.app_context():
        db.session.get(User, old).created_at = utc_now() - timedelta(days=30)
        db.session.commit()

    start_worker()
    celery_for(web_app).send_task(PURGE_TASK)

    assert wait_for(lambda: get_user(web_app, "abandoned@example.org") is None, WORKER_DEADLINE), (
        "the old unconfirmed account is still there"
    )
    assert get_user(web_app, "recent@example.org") is not None


def test_status_reports_the_broker(web_app):
    response = web_app.test_client().get("/status")
    assert response.status_code == 200
    assert response.get_json()["broker"] == "ok"
