"""Limits hold for the whole deployment, not for each process that serves it.

A bake whose cache keeps nothing shared (the simple cache) is served by gunicorn with
WORKERS worker processes in production settings, on SQLite (the default bake) and on
MariaDB, delivering its e-mail to an SMTP server in this test process. Requests are sent
at once from several threads, so that several workers answer them (gunicorn's access
log, with each worker's pid, shows which did; a round answered by one worker alone
proves nothing and is repeated). The tests prove that
1. the login rate limit (AUTH_RATE_LIMIT) counts the attempts on every worker together:
   a count per worker would allow WORKERS times the limit;
2. the bound on e-mails per address (MAIL_PER_ADDRESS_PER_HOUR) holds for mail asked
   for through different workers, from different client addresses, of different kinds
   (a confirmation and "already registered" notes).
"""

import contextlib
import functools
import itertools
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import http_client, services
from .baked import MATRIX, default_row, gunicorn_server, matrix_params, production_env, run_flask
from .http_client import HOST, csrf_token
from .smtp import Mailbox, smtp_server
from .throwaway_servers import free_port

WORKERS = 4
# Per hour: no window ends while a test counts.
LOGIN_LIMIT = 3
MAIL_LIMIT = 3
# Rounds of simultaneous requests until one is answered by two workers or more.
ROUNDS = 5
ATTEMPTS_PER_ROUND = 3 * WORKERS
LOG_TIMEOUT = 30.0
PASSWORD = "one-deployment-one-limit-42"
# Every request's worker: its pid, the client address and the request line.
ACCESS_FORMAT = 'ACCESS %(p)s %(h)s "%(r)s" %(s)s'
ACCESS_LINE = re.compile(r'ACCESS <(\d+)> (\S+) "(\S+) (\S+) [^"]*" (\d+)')


def mysql_simple_row():
    return next(row for row in MATRIX if row["cache_backend"] == "simple" and row["database"] == "mysql")


ROWS = [default_row(), mysql_simple_row()]


@dataclass
class Deployment:
    port: int
    log_path: Path
    app_log: Path
    mailbox: Mailbox
    numbers: itertools.count = field(default_factory=itertools.count)

    def source(self):
        """A loopback client address of its own (127.0.0.0/8 is all loopback)."""
        number = next(self.numbers)
        return f"127.0.{number // 250 + 1}.{number % 250 + 1}"

    def workers_that_answered(self, sources, method, path, count):
        """The pids of the workers that answered the `count` requests `method path` from
        these sources (gunicorn logs a request just after its answer: waited for)."""
        deadline = time.monotonic() + LOG_TIMEOUT
        while True:
            text = self.log_path.read_text(errors="replace")
            lines = [
                pid
                for pid, source, line_method, line_path, _ in ACCESS_LINE.findall(text)
                if source in sources and line_method == method and line_path == path
            ]
            if len(lines) >= count:
                return set(lines)
            assert time.monotonic() < deadline, f"{len(lines)} of {count} requests in the access log"
            time.sleep(0.05)


# A worker may wait on another's lock: longer than a page's wait.
request = functools.partial(http_client.request, timeout=30)


def form_session(deployment, path, source):
    """The cookies and CSRF token of the form on `path`, as a browser gets them."""
    page = request(deployment.port, "GET", path, source=source)
    assert page.status == 200, page.body
    return page.cookies(), csrf_token(page.body)


def all_at_once(calls):
    """Run the calls on threads released together; their results, in order."""
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index, call):
        start.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def wait_for_lines(path, pattern, count):
    """The lines of `path` that match `pattern`, once there are `count` of them."""
    deadline = time.monotonic() + LOG_TIMEOUT
    while True:
        text = path.read_text(errors="replace") if path.exists() else ""
        found = [line for line in text.splitlines() if re.search(pattern, line)]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


@pytest.fixture(scope="module")
def mailbox():
    with smtp_server() as server:
        yield server


@pytest.fixture(scope="module")
def deployments(bakes, mailbox, tmp_path_factory):
    """The deployment of a row, started on first use and kept for the module."""
    started = {}
    with contextlib.ExitStack() as stack:

        def deployment(row):
            key = row["database"]
            if key not in started:
                served = serve(bakes(row).project_path, row, mailbox, tmp_path_factory)
                started[key] = stack.enter_context(served)
            return started[key]

        yield deployment


@contextlib.contextmanager
def serve(project, row, mailbox, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp(f"shared-limits-{row['database']}")
    with contextlib.ExitStack() as stack:
        database = {}
        if row["database"] != "sqlite":
            database["DATABASE_URL"] = stack.enter_context(services.fresh_database(row["database"]))
        env = production_env(
            row,
            tmp_path,
            **database,
            MAIL_SERVER=HOST,
            MAIL_PORT=str(mailbox[1]),
            ADMINS="operator@example.org",
            AUTH_RATE_LIMIT=f"{LOGIN_LIMIT} per hour",
            MAIL_PER_ADDRESS_PER_HOUR=str(MAIL_LIMIT),
            ARGON2_MEMORY_COST="8192",
            # E-mail from the web workers' threads, even in a Celery bake: the bound is
            # taken where the mail is sent, the worker's processes here.
            CELERY_BROKER_URL="",
            GUNICORN_CMD_ARGS=f"--access-logformat '{ACCESS_FORMAT}'",
        )
        run_flask(project, env, "db", "upgrade")
        port = free_port()
        log_path = tmp_path / "gunicorn.log"
        stack.enter_context(gunicorn_server(project, env, port, log_path, workers=WORKERS))
        yield Deployment(port, log_path, tmp_path / "logs" / "app.log", mailbox[0])


def login_attempt(deployment, source, cookies, token):
    # A new address each time: the throttle per address stays out of the way.
    form = {"csrf_token": token, "email": f"{secrets.token_hex(6)}@example.org", "password": PASSWORD}
    return request(deployment.port, "POST", "/auth/login", cookies, form, source)


@pytest.mark.parametrize("row", matrix_params(ROWS))
def test_the_login_rate_limit_counts_the_attempts_on_every_worker(deployments, row):
    deployment = deployments(row)
    for _ in range(ROUNDS):
        source = deployment.source()  # a client the limit has not counted yet
        cookies, token = form_session(deployment, "/auth/login", source)
        attempt = functools.partial(login_attempt, deployment, source, cookies, token)
        answers = all_at_once([attempt] * ATTEMPTS_PER_ROUND)
        workers = deployment.workers_that_answered({source}, "POST", "/auth/login", len(answers))
        if len(workers) < 2:
            continue  # one worker answered all: the round proves nothing
        judged = [answer for answer in answers if answer.status != 429]
        assert len(judged) == LOGIN_LIMIT, (
            f"{len(judged)} of {ATTEMPTS_PER_ROUND} attempts were judged by {len(workers)} workers; "
            f"the limit is {LOGIN_LIMIT} in all"
        )
        assert all("Wrong e-mail or password" in answer.body for answer in judged)
        refused = [answer for answer in answers if answer.status == 429]
        assert all(f"the limit is {LOGIN_LIMIT} per 1 hour" in answer.body for answer in refused)
        return
    pytest.fail(f"in {ROUNDS} rounds no two workers answered the attempts of one round")


def registration(deployment, victim, source):
    """A registration of `victim` from `source`, ready to send."""
    cookies, token = form_session(deployment, "/auth/register", source)
    form = {"csrf_token": token, "email": victim, "password": PASSWORD, "password_confirm": PASSWORD}
    return functools.partial(request, deployment.port, "POST", "/auth/register", cookies, form, source)


@pytest.mark.parametrize("row", matrix_params(ROWS))
def test_the_mail_bound_per_address_holds_across_workers(deployments, row):
    """MAIL_LIMIT + 1 registrations of one new address at once, each from a client of
    its own: the first sends a confirmation, the others "already registered" notes,
    MAIL_LIMIT mails in all, and the one held back is logged as a warning. The answers
    are the same for all."""
    deployment = deployments(row)
    for _ in range(ROUNDS):
        victim = f"victim-{secrets.token_hex(6)}@example.org"
        sources = [deployment.source() for _ in range(MAIL_LIMIT + 1)]
        answers = all_at_once([registration(deployment, victim, source) for source in sources])
        assert {(answer.status, answer.headers["Location"]) for answer in answers} == {(302, "/auth/login")}
        # Every mail job has ended once each has logged: sent, or held back.
        pattern = rf"sent to {re.escape(victim)}$|E-mails to {re.escape(victim)} held back"
        done = wait_for_lines(deployment.app_log, pattern, len(answers))
        assert len(done) == len(answers), f"not every mail job ended in {LOG_TIMEOUT} s:\n" + "\n".join(done)
        sent = [line for line in done if "sent to" in line]
        held_back = [line for line in done if "held back" in line]
        workers = deployment.workers_that_answered(set(sources), "POST", "/auth/register", len(answers))
        if len(workers) < 2 and len(sent) == MAIL_LIMIT:
            continue  # one worker answered all: the round proves nothing
        assert len(sent) == MAIL_LIMIT, f"{len(sent)} mails to one address through {len(workers)} workers"
        assert len(held_back) == 1
        assert " WARNING " in held_back[0]
        assert deployment.mailbox.recipients.count(victim) == MAIL_LIMIT
        return
    pytest.fail(f"in {ROUNDS} rounds no two workers answered the registrations of one round")
