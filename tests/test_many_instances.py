"""Three instances of one bake behave as one app: what a load balancer needs.

One bake (Redis cache, PostgreSQL) is migrated once, given a confirmed administrator, and
served by three gunicorns (one worker each, so an instance is one process with its own
per-process cache tier) on three ports, sharing one Redis (under a key prefix of their
own) and one fresh PostgreSQL database, with the same SECRET_KEY. The client spreads its
requests round-robin over them. The tests prove that
1. a login made through one instance is valid on the others: the session cookie (and the
   CSRF token in it) and, on its own, the remember-me cookie;
2. a task changed through one instance changes the figures every instance serves, the
   writer's at once and the others' within their micro-cache's MICRO_CACHE_TIMEOUT (the
   measured delay is reported, not asserted);
3. the login rate limit counts the attempts made on every instance together;
4. one `flask cache clear` reaches the page-cache copies that each instance keeps in its
   own memory, without waiting for them to expire (MICRO_CACHE_TIMEOUT);
5. an instance killed (SIGKILL) under load loses no request that a client retrying on
   the next instance can have answered.

The measured delays are printed and written to test-artifacts/many-instances.json
(FORGE_ARTIFACTS_DIR moves them).
"""

import contextlib
import http.client
import itertools
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

import pytest

from .baked import (
    ARTIFACTS_DIR,
    MATRIX,
    SERVER_TIMEOUT,
    answers,
    gunicorn_command,
    production_env,
    run_checked,
    run_flask,
    tail,
)
from .http_client import HOST, csrf_token, request
from .services import fresh_database
from .throwaway_servers import free_port

pytestmark = pytest.mark.xdist_group("many-instances")

INSTANCES = 3
ADMIN_EMAIL = "many-instances@example.org"
# 14+ characters and on no list of common passwords.
ADMIN_PASSWORD = "three-instances-one-app-42"
# Long enough to tell a copy dropped by `flask cache clear` (within a second) from one
# that expired, with room for a slow machine to run the command itself.
MICRO_CACHE_TIMEOUT = 20
# Per hour: no window can end while the test counts.
LOGIN_LIMIT = 5
SETTLE_DEADLINE = MICRO_CACHE_TIMEOUT + 40.0
POLL_SECONDS = 0.05
# Each test that counts login attempts comes from a loopback address of its own.
LOGIN_ADDRESS = "127.0.0.1"
RATE_LIMITED_ADDRESS = "127.0.0.3"
MARK = b"<!-- planted in the shared cache by test_many_instances -->"
REPORT_PATH = ARTIFACTS_DIR / "many-instances.json"

# Plants a marked copy of the home page in the shared cache, as the bake's own code
# stores it, fresh for minutes: an instance serving it has not rendered the page anew.
PLANT_MARKED_HOME_PAGE = f"""
import dataclasses, time
from wsgi import app
from {{package}}.caching.front import page_front, page_key
front = page_front(app)
key = page_key("", "/", "")
assert app.test_client().get("/", base_url="http://{HOST}").status_code == 200
page = front.shared.get(key)
assert page is not None, "no home page in the shared cache"
body = page.body.replace(b"</body>", {MARK!r} + b"</body>")
headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in page.headers]
marked = dataclasses.replace(page, body=body, headers=headers, fresh_until=time.time() + 600)
assert front.shared.set(key, marked, timeout=1200)
"""


def redis_postgresql_row():
    return next(row for row in MATRIX if row["cache_backend"] == "redis" and row["database"] == "postgresql")


ROW = redis_postgresql_row()


# HTTP, one connection per request (a load balancer's view of the instances)


def updated(cookies, answer):
    jar = dict(cookies)
    for name, value in answer.cookies().items():
        if value is None:
            jar.pop(name, None)
        else:
            jar[name] = value
    return jar


# The deployment


@dataclass
class Instance:
    number: int
    port: int
    env: dict
    log_path: object
    process: subprocess.Popen | None = None

    @property
    def base_url(self):
        return f"http://{HOST}:{self.port}"


@dataclass
class Deployment:
    project: object
    env: dict
    instances: list
    report: dict = field(default_factory=dict)
    # When the home page was last answered: each instance keeps its copy MICRO_CACHE_TIMEOUT
    # from when it kept it, which is before its answer arrived (CLOCK_MONOTONIC is the
    # machine's, the same in every process).
    home_answered_at: float = float("-inf")
    _turn: itertools.count = field(default_factory=itertools.count)

    def next_port(self):
        """Round-robin, as a load balancer spreads requests."""
        return self.instances[next(self._turn) % len(self.instances)].port

    @property
    def ports(self):
        return [instance.port for instance in self.instances]

    def record(self, name, figures):
        self.report[name] = figures
        ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
        REPORT_PATH.write_text(json.dumps(self.report, indent=2) + "\n")
        print(f"{name}: {json.dumps(figures)}")


def start(project, instance):
    """gunicorn (1 worker) in a session of its own, so that a kill takes its worker too."""
    with open(instance.log_path, "ab") as log:
        instance.process = subprocess.Popen(
            gunicorn_command(instance.port, workers=1),
            cwd=project,
            env=instance.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_until_serving(instances):
    deadline = time.monotonic() + SERVER_TIMEOUT
    waiting = list(instances)
    while waiting:
        for instance in list(waiting):
            if instance.process.poll() is not None:
                pytest.fail(
                    f"instance {instance.number} exited with status {instance.process.returncode}:\n"
                    f"{tail(instance.log_path)}"
                )
            if answers(instance.base_url):
                waiting.remove(instance)
        if waiting and time.monotonic() > deadline:
            pytest.fail(f"instance {waiting[0].number} did not answer:\n{tail(waiting[0].log_path)}")
        time.sleep(0.1)


def kill(instance):
    with contextlib.suppress(ProcessLookupError):
        os.killpg(instance.process.pid, signal.SIGKILL)
    instance.process.wait(timeout=10)


def stop(instance):
    if instance.process is None or instance.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(instance.process.pid, signal.SIGTERM)
    try:
        instance.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        kill(instance)


@pytest.fixture(scope="module")
def deployment(bakes, tmp_path_factory):
    project = bakes(ROW).project_path
    tmp_path = tmp_path_factory.mktemp("many-instances")
    with fresh_database("postgresql") as database_url:
        env = production_env(
            ROW,
            tmp_path,
            DATABASE_URL=database_url,
            BASE_URL=f"http://{HOST}",
            # Parallel runs on the same Redis keep their keys (and rate limits) apart.
            CACHE_KEY_PREFIX=f"forge-many-{secrets.token_hex(4)}:",
            MICRO_CACHE_TIMEOUT=str(MICRO_CACHE_TIMEOUT),
            AUTH_RATE_LIMIT=f"{LOGIN_LIMIT} per hour",
            ARGON2_MEMORY_COST="8192",
        )
        # Once, as a release step does: never on each instance's start.
        run_flask(project, env, "db", "upgrade")
        run_flask(
            project,
            {**env, "ADMIN_PASSWORD": ADMIN_PASSWORD},
            "users",
            "create-admin",
            "--email",
            ADMIN_EMAIL,
        )
        run_flask(project, env, "seed")
        instances = [
            Instance(
                number,
                free_port(),
                {**env, "LOG_DIR": str(tmp_path / f"logs-{number}")},
                tmp_path / f"gunicorn-{number}.log",
            )
            for number in range(INSTANCES)
        ]
        try:
            for instance in instances:
                start(project, instance)
            wait_until_serving(instances)
            yield Deployment(project, env, instances)
        finally:
            for instance in instances:
                stop(instance)
            run_flask(project, env, "cache", "clear")  # the shared Redis keeps nothing of ours


# 1. Sessions


def test_a_login_on_one_instance_holds_on_every_instance(deployment):
    first, second, third = deployment.ports
    form_page = request(first, "GET", "/auth/login")
    assert form_page.status == 200
    cookies = updated({}, form_page)
    # The form from the first instance, sent to the second: its CSRF token is in a session
    # signed with the shared SECRET_KEY.
    login = request(
        second,
        "POST",
        "/auth/login",
        cookies=cookies,
        form={
            "csrf_token": csrf_token(form_page.body),
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "remember": "y",
        },
        source=LOGIN_ADDRESS,
    )
    assert login.status == 302, login.body
    cookies = updated(cookies, login)
    assert {"session", "remember_token"} <= set(cookies)

    for port in (third, first, second):
        account = request(port, "GET", "/auth/account", cookies={"session": cookies["session"]})
        assert account.status == 200, f"the session is not valid on :{port}"
        assert ADMIN_EMAIL in account.body

    remembered = {"remember_token": cookies["remember_token"]}  # the browser was closed
    for port in (first, second, third):
        account = request(port, "GET", "/auth/account", cookies=remembered)
        assert account.status == 200, f"the remember-me cookie is not valid on :{port}"
        assert ADMIN_EMAIL in account.body
        assert "session" in account.cookies()  # a new session, restored from it

    for port in deployment.ports:
        assert request(port, "GET", "/auth/account").status == 302  # and nobody else is


# 2. Data changed through one instance


def logged_in(port):
    """A session of the administrator, logged in on `port`, with its CSRF token."""
    form_page = request(port, "GET", "/auth/login")
    cookies = updated({}, form_page)
    login = request(
        port,
        "POST",
        "/auth/login",
        cookies=cookies,
        form={"csrf_token": csrf_token(form_page.body), "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
        source=LOGIN_ADDRESS,
    )
    assert login.status == 302, login.body
    return updated(cookies, login)


def statistics(port):
    answer = request(port, "GET", "/api/v1/tasks/statistics")
    assert answer.status == 200, answer.body
    return json.loads(answer.body)


def open_count_on_the_page(port):
    answer = request(port, "GET", "/tasks/")
    assert answer.status == 200
    found = re.search(r"(\d+) open · (\d+) done", answer.body)
    assert found, "no figures on the tasks page"
    return int(found.group(1))


def seconds_until(check, ports, since):
    """For each port, the seconds from `since` until `check(port)` first held."""
    deadline = since + SETTLE_DEADLINE
    seen = {}
    while len(seen) < len(ports):
        for port in ports:
            if port not in seen and check(port):
                seen[port] = time.monotonic() - since
        if len(seen) < len(ports):
            assert time.monotonic() < deadline, f"not seen on {sorted(set(ports) - set(seen))}"
            time.sleep(POLL_SECONDS)
    return [round(seen[port], 3) for port in ports]


def test_a_task_added_through_one_instance_reaches_the_figures_of_every_instance(deployment):
    """What is cached where: the figures (task_statistics) in each process's micro-cache
    for MICRO_CACHE_TIMEOUT, in front of the shared stampede-protected entry, which the
    change deletes; the writer also drops its own copy. The tasks page and the statistics
    endpoint are rendered for every request (not page-cached); the page-cached home page
    shows no figure."""
    writer, *others = deployment.ports
    cookies = logged_in(writer)
    before = [statistics(port) for port in deployment.ports]  # every micro-cache holds them now
    assert all(figures == before[0] for figures in before), before
    total, open_tasks = before[0]["total"], before[0]["open"]

    tasks_page = request(writer, "GET", "/tasks/", cookies=cookies)
    cookies = updated(cookies, tasks_page)  # the session now holds the form's CSRF token
    added = request(
        writer,
        "POST",
        "/tasks/",
        cookies=cookies,
        form={
            "csrf_token": csrf_token(tasks_page.body),
            "title": "Added through one instance",
            "description": "",
        },
    )
    assert added.status == 302, added.body
    changed_at = time.monotonic()

    assert statistics(writer)["total"] == total + 1  # the writer: at once
    delays = seconds_until(lambda port: statistics(port)["total"] == total + 1, deployment.ports, changed_at)
    for port in deployment.ports:
        assert open_count_on_the_page(port) == open_tasks + 1
        assert statistics(port)["total"] == total + 1  # and it stays
    deployment.record(
        "task_change_to_statistics",
        {
            "seconds_until_seen_writer": delays[0],
            "seconds_until_seen_others": delays[1:],
            "bound_seconds": MICRO_CACHE_TIMEOUT,
            "bound": "MICRO_CACHE_TIMEOUT (each process's micro-cache of the figures)",
        },
    )


# 3. Rate limits


def test_the_login_rate_limit_counts_the_attempts_on_every_instance(deployment):
    form_page = request(deployment.ports[0], "GET", "/auth/login", source=RATE_LIMITED_ADDRESS)
    cookies = updated({}, form_page)
    form = {
        "csrf_token": csrf_token(form_page.body),
        "email": ADMIN_EMAIL,
        "password": "not-the-password-at-all",
    }

    def attempt():
        port = deployment.next_port()
        return request(port, "POST", "/auth/login", cookies=cookies, form=form, source=RATE_LIMITED_ADDRESS)

    allowed = [attempt() for _ in range(LOGIN_LIMIT)]  # spread round-robin over the instances
    for answer in allowed:  # judged, not refused
        assert answer.status != 429
        assert "Wrong e-mail or password" in answer.body
    # Attempt LOGIN_LIMIT + 1 and on, on every instance: a count per instance would
    # allow INSTANCES * LOGIN_LIMIT.
    refused = [attempt().status for _ in range(INSTANCES)]
    assert refused == [429] * INSTANCES, refused


# 4. flask cache clear


def serves_the_mark(deployment, port):
    answer = request(port, "GET", "/")
    deployment.home_answered_at = time.monotonic()
    assert answer.status == 200
    return MARK.decode() in answer.body


def test_one_cache_clear_reaches_the_copies_every_instance_keeps(deployment):
    """Each instance keeps its own copy of the home page for MICRO_CACHE_TIMEOUT. A marked
    copy planted in the shared cache, which no instance has rendered, shows which
    instances serve a kept copy; after `flask cache clear` (run by another process, as an
    operator does), each instance renders the page anew long before its copy expires."""
    # The copies of earlier requests expire, so that every instance takes the marked one.
    time.sleep(max(0.0, deployment.home_answered_at + MICRO_CACHE_TIMEOUT - time.monotonic()))
    project = deployment.project
    package = next(path.parent.parent.name for path in project.glob("*/caching/front.py"))
    plant = PLANT_MARKED_HOME_PAGE.replace("{package}", package)
    run_checked([sys.executable, "-c", plant], project, deployment.env)
    kept_since = {}
    for port in deployment.ports:
        kept_since[port] = time.monotonic()  # its copy is kept from this request on
        assert serves_the_mark(deployment, port)

    cleared = run_flask(project, deployment.env, "cache", "clear")
    assert "Cleared the cache entries" in cleared.stdout
    cleared_at = time.monotonic()
    delays = seconds_until(lambda port: not serves_the_mark(deployment, port), deployment.ports, cleared_at)
    for port, delay in zip(deployment.ports, delays, strict=True):
        # Left to expire, a copy is served until MICRO_CACHE_TIMEOUT after it was kept.
        assert cleared_at + delay < kept_since[port] + MICRO_CACHE_TIMEOUT, (
            f":{port} served its copy until it expired"
        )
    for port in deployment.ports:
        page = request(port, "GET", "/")
        assert page.status == 200
        assert MARK.decode() not in page.body
        assert 'href="/tasks/"' in page.body  # the real home page, rendered anew
    deployment.record(
        "cache_clear_to_fresh_pages",
        {
            "seconds_until_fresh_after_the_command_returned": delays,
            "command_seconds": round(cleared_at - max(kept_since.values()), 3),
            "bound": "CLEAR_CHECK_SECONDS (1 s, caching/front.py) after the clear",
            "copies_would_have_expired_after_seconds": MICRO_CACHE_TIMEOUT,
        },
    )


# 5. An instance dies


RETRIED_ERRORS = (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine)
LOAD_REQUESTS = 450
LOAD_THREADS = 3
LOAD_PATHS = ("/", "/status", "/api/v1/tasks/statistics")


@dataclass
class LoadClient:
    """Requests spread round-robin; one that fails to connect, or is cut off, goes to the
    next instance (safe here: every request is a GET)."""

    ports: list
    turn: itertools.count = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)
    answered_by: dict = field(default_factory=dict)
    failed_on: dict = field(default_factory=dict)
    statuses: list = field(default_factory=list)

    def get(self, path):
        start = next(self.turn)
        for attempt in range(len(self.ports) * 2):
            port = self.ports[(start + attempt) % len(self.ports)]
            try:
                answer = request(port, "GET", path, timeout=10)
            except RETRIED_ERRORS:
                with self.lock:
                    self.failed_on[port] = self.failed_on.get(port, 0) + 1
                continue
            with self.lock:
                self.answered_by[port] = self.answered_by.get(port, 0) + 1
                self.statuses.append(answer.status)
            return answer.status
        with self.lock:
            self.statuses.append(None)
        return None


def test_an_instance_killed_under_load_loses_no_request(deployment):
    victim = deployment.instances[1]
    client = LoadClient(deployment.ports)
    numbers = itertools.count()
    killed = threading.Event()
    answered_before_the_kill = {}

    def load():
        while (number := next(numbers)) < LOAD_REQUESTS:
            if number == LOAD_REQUESTS // 3 and not killed.is_set():
                with client.lock:
                    answered_before_the_kill.update(client.answered_by)
                kill(victim)  # SIGKILL to its master and worker, mid-load
                killed.set()
            client.get(LOAD_PATHS[number % len(LOAD_PATHS)])

    threads = [threading.Thread(target=load) for _ in range(LOAD_THREADS)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert killed.is_set()
        assert len(client.statuses) == LOAD_REQUESTS
        assert client.statuses == [200] * LOAD_REQUESTS, sorted(set(map(str, client.statuses)))
        assert answered_before_the_kill.get(victim.port, 0) > 0  # it served its share before
        assert client.failed_on.get(victim.port, 0) > 0  # then its turns went to the others
        deployment.record(
            "instance_killed_under_load",
            {
                "requests": LOAD_REQUESTS,
                "answered_by_port": {str(port): count for port, count in client.answered_by.items()},
                "killed_port": victim.port,
                "answered_by_killed_before_the_kill": answered_before_the_kill.get(victim.port, 0),
                "attempts_retried_on_another_instance": sum(client.failed_on.values()),
            },
        )
    finally:
        deployment.home_answered_at = time.monotonic()  # every load thread is done
        if victim.process.poll() is not None:  # the other tests get three instances again
            start(deployment.project, victim)
            wait_until_serving([victim])
