"""A database that is down or silent: every page and API call that needs it answers a
negotiated 503 with the usual headers, without hanging, and the outage is logged once
per interval instead of once per request."""

import logging
import sqlite3
import threading

import pytest
{%- if cookiecutter.database == "sqlite" %}
from sqlalchemy import create_engine, exc, func, select
{%- else %}
from sqlalchemy import exc, func, select
{%- endif %}

from {{ cookiecutter.package_name }}.database import database_outages
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Task

from .account_helpers import add_user, log_in, logged_in
from .clocks import FakeClock
from .edited_templates import after_the_tasks_link, edit_template
{%- if cookiecutter.database != "sqlite" %}
from .servers import SilentServer, free_port
{%- endif %}

# Short, so the tests are quick; no test asserts how long anything took.
{%- if cookiecutter.database == "sqlite" %}
# SQLite's busy timeout takes a fraction of a second (servers' timeouts are whole seconds).
TIMEOUTS = {"DATABASE_CONNECT_TIMEOUT": 1, "DATABASE_READ_TIMEOUT": 0.05}
{%- else %}
TIMEOUTS = {"DATABASE_CONNECT_TIMEOUT": 1, "DATABASE_READ_TIMEOUT": 1}
{%- endif %}
# Far beyond what the timeouts above allow a request: only a hang takes this long.
HANG_LIMIT = 60
PAGES = [
    "/tasks/",
    "/api/v1/tasks",
    "/api/v1/tasks/1",
    "/api/v1/tasks/statistics",
    "/tasks/export.csv",
]
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options")
{%- if cookiecutter.database == "sqlite" %}


@pytest.fixture(scope="module")
def unreachable_url(tmp_path_factory):
    """A SQLite file that cannot be opened: its directory does not exist."""
    return f"sqlite:///{tmp_path_factory.mktemp('unreachable')}/missing/app.sqlite"


@pytest.fixture
def silent_url(tmp_path):
    """A SQLite file whose lock another connection holds: every statement waits for it,
    as for a server that does not answer, until the busy timeout."""
    url = f"sqlite:///{tmp_path}/locked.sqlite"
    engine = create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    holder = sqlite3.connect(tmp_path / "locked.sqlite", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    yield url
    holder.close()
{%- else %}


def server_url(port):
    """A database of this project's kind on this machine, at `port`."""
    {%- if cookiecutter.database == "postgresql" %}
    return f"postgresql+psycopg://app:secret@127.0.0.1:{port}/app"
    {%- else %}
    return f"mysql+pymysql://app:secret@127.0.0.1:{port}/app"
    {%- endif %}


@pytest.fixture
def unreachable_url():
    """A closed port: the connection is refused."""
    return server_url(free_port())


@pytest.fixture
def silent_url():
    """A server that takes the connection and never says a word."""
    with SilentServer() as server:
        yield server_url(server.port)
{%- endif %}


@pytest.fixture
def unreachable_app(make_app, unreachable_url):
    return make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=unreachable_url, **TIMEOUTS)


def get_within_hang_limit(client, path, **kwargs):
    """GET `path` on a thread, failing if it is still waiting after HANG_LIMIT."""
    outcome = {}

    def run():
        try:
            outcome["response"] = client.get(path, **kwargs)
        except BaseException as error:  # re-raised below, in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG_LIMIT)
    assert not thread.is_alive(), f"GET {path} hangs on a silent database"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["response"]


def assert_unavailable(response, json):
    assert response.status_code == 503
    for header in SECURITY_HEADERS:
        assert header in response.headers
    assert "private" in response.headers["Cache-Control"]
    if json:
        assert response.get_json()["status"] == 503
    else:
        assert response.mimetype == "text/html"
        assert "503 Service Unavailable" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", PAGES)
def test_pages_needing_an_unreachable_database_answer_503(unreachable_app, path):
    response = unreachable_app.test_client().get(path, headers={"Accept": "text/html"})
    assert_unavailable(response, json=path.startswith("/api/"))


def test_json_clients_get_the_503_as_json(unreachable_app):
    client = unreachable_app.test_client()
    response = client.get("/tasks/", headers={"Accept": "application/json"})
    assert_unavailable(response, json=True)


def test_pages_without_the_database_are_still_served(unreachable_app):
    assert unreachable_app.test_client().get("/").status_code == 200


@pytest.mark.parametrize("path", ["/tasks/", "/api/v1/tasks"])
def test_a_silent_database_answers_503_instead_of_hanging(make_app, silent_url, path):
    app = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=silent_url, **TIMEOUTS)
    response = get_within_hang_limit(app.test_client(), path, headers={"Accept": "text/html"})
    assert_unavailable(response, json=path.startswith("/api/"))


def test_a_visitor_with_a_session_gets_a_503_page_without_the_account(
    make_app, tmp_path, unreachable_url
):
    working = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/app.sqlite")
    add_user(working, "writer@example.org")
    browser = working.test_client()
    assert log_in(browser, "writer@example.org").status_code == 302
    assert "writer@example.org" in browser.get("/tasks/").get_data(as_text=True)
    # The same SECRET_KEY (the hermetic one) reads the same session cookie.
    down = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=unreachable_url, **TIMEOUTS)
    visitor = down.test_client()
    visitor.set_cookie("session", browser.get_cookie("session").value)
    for path in ("/", "/tasks/", "/api/v1/tasks", "/tasks/export.csv"):
        response = visitor.get(path, headers={"Accept": "text/html"})
        # The page renders without asking the database again who is logged in.
        assert_unavailable(response, json=path.startswith("/api/"))
        assert "writer@example.org" not in response.get_data(as_text=True)
    # Not a 400 page (which would ask the database who is logged in) for the missing token.
    response = visitor.post("/tasks/", data={"title": "x"}, headers={"Accept": "text/html"})
    assert_unavailable(response, json=False)


# What users add to the navigation (templates/base.html): current_user, as they would.
NAVIGATION_EDITS = [
    '<li class="nav-item">'
    '{% raw %}{{ "Hello " ~ current_user.email if current_user.is_authenticated }}{% endraw %}</li>',
    '<li class="nav-item">Hello {% raw %}{{ current_user.email }}{% endraw %}</li>',
]


@pytest.fixture
def locked_database(tmp_path):
    """A SQLite file, and a lock on it that another connection takes and gives back:
    while it is held, every statement waits for it, as for a server that does not
    answer, until the busy timeout."""

    class Lock:
        url = f"sqlite:///{tmp_path}/app.sqlite"
        holder = None

        def take(self):
            self.holder = sqlite3.connect(tmp_path / "app.sqlite", isolation_level=None)
            self.holder.execute("BEGIN EXCLUSIVE")

        def give_back(self):
            self.holder.close()
            self.holder = None

    lock = Lock()
    yield lock
    if lock.holder is not None:
        lock.give_back()


@pytest.mark.parametrize("line", NAVIGATION_EDITS)
def test_the_503_page_renders_whatever_the_navigation_asks(make_app, locked_database, line):
    app = make_app(SQLALCHEMY_DATABASE_URI=locked_database.url, DATABASE_READ_TIMEOUT=0.05)
    edit_template(app, "base.html", after_the_tasks_link(line))
    add_user(app, "writer@example.org")
    writer = logged_in(app, app.test_client(), "writer@example.org")
    assert "Hello writer@example.org" in writer.get("/tasks/").get_data(as_text=True)
    locked_database.take()
    for path in ("/", "/tasks/", "/auth/account"):
        response = writer.get(path, headers={"Accept": "text/html"})
        assert_unavailable(response, json=False)
        assert "writer@example.org" not in response.get_data(as_text=True)
    # A visitor without a session: the pages that need the database are 503s too.
    assert_unavailable(app.test_client().get("/tasks/"), json=False)
    locked_database.give_back()
    assert "Hello writer@example.org" in writer.get("/tasks/").get_data(as_text=True)


def test_the_503_page_renders_whatever_a_context_processor_asks(make_app, locked_database):
    app = make_app(SQLALCHEMY_DATABASE_URI=locked_database.url, DATABASE_READ_TIMEOUT=0.05)

    @app.context_processor
    def open_tasks():  # what an app may add: a figure for every page, from the database
        return {"open_tasks": db.session.scalar(select(func.count()).select_from(Task))}

    add_user(app, "writer@example.org")
    writer = logged_in(app, app.test_client(), "writer@example.org")
    assert writer.get("/tasks/").status_code == 200
    locked_database.take()
    for client in (writer, app.test_client()):
        assert_unavailable(client.get("/tasks/", headers={"Accept": "text/html"}), json=False)


# Pages and /status (which load balancers poll) report into the same once-per-interval log.
@pytest.mark.parametrize("path", ["/tasks/", "/status"])
def test_the_outage_is_logged_once_per_interval(make_app, unreachable_url, app_log_records, path):
    app = make_app(
        create_tables=False,
        SQLALCHEMY_DATABASE_URI=unreachable_url,
        DATABASE_OUTAGE_LOG_INTERVAL=60,
        **TIMEOUTS,
    )
    clock = FakeClock()
    with app.app_context():
        database_outages().clock = clock
    client = app.test_client()
    for _ in range(10):
        assert client.get(path).status_code == 503
    [record] = [record for record in app_log_records if record.levelno >= logging.WARNING]
    assert record.levelno == logging.ERROR
    assert "OperationalError" in record.getMessage()
    clock.advance(60)
    assert client.get("/api/v1/tasks").status_code == 503
    assert len([record for record in app_log_records if record.levelno >= logging.WARNING]) == 2


def pool_timeout():
    return exc.TimeoutError("QueuePool limit of size 5 overflow 10 reached")


def invalidated_connection():
    return exc.DBAPIError(
        "SELECT 1", {}, Exception("server closed the connection"), connection_invalidated=True
    )


def constraint_violation():
    return exc.IntegrityError("INSERT INTO tasks ...", {}, Exception("duplicate key"))


@pytest.mark.parametrize(
    ("error", "status"),
    [(pool_timeout, 503), (invalidated_connection, 503), (constraint_violation, 500)],
)
def test_only_errors_of_availability_are_503s(make_app, error, status):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/fails")
    def fails():
        raise error()

    assert app.test_client().get("/fails").status_code == status
