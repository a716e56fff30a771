"""Fixtures in the style of Flask's tutorial: each test gets a new app from create_app(),
on its own SQLite database in memory, with an in-process cache.

Hermetic by default: the apps read TEST_ENVIRON, never the process environment or a .env
file, so every other variable has its default (no log files, mail or Slack). The tests
under tests/accounts and tests/integration use real servers instead.
"""

import logging
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import event

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.auth.cli import sync_roles
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.main import views

from .account_helpers import add_user, logged_in, token_for, wait_for_mail_jobs, with_token
from .servers import SMTPServer

TEST_ENVIRON = {
    "APP_ENV": "testing",
    "SECRET_KEY": "test-secret",
    "DATABASE_URL": "sqlite://",
    # Every call reaches the backend; the tests of the retry interval set their own.
    "CACHE_RETRY_INTERVAL": "0",
    # Links in e-mails come from here; the tests' requests use another Host on purpose.
    "BASE_URL": "https://app.example",
    # Argon2id at its cheapest: the tests check the flows, not the cost.
    "ARGON2_TIME_COST": "1",
    "ARGON2_MEMORY_COST": "8",
    "ARGON2_PARALLELISM": "1",
    "RATELIMIT_STORAGE_URI": "memory://",
}
# Whatever the chosen backend, the cache lives in the app's process.
TEST_CONFIG = {"CACHE_BACKEND": "flask_caching.backends.SimpleCache", "CACHE_THRESHOLD": 500}


@pytest.fixture(scope="session")
def template_code(tmp_path_factory):
    """Jinja's bytecode cache, shared by the run's apps: each template is compiled once,
    not once per test."""
    return FileSystemBytecodeCache(str(tmp_path_factory.mktemp("templates")))


@pytest.fixture(scope="session")
def new_database():
    """The database of a new app (its tables, and the roles `flask roles sync` writes),
    built once; each app on SQLite in memory gets a copy, made with sqlite3's backup."""
    app = create_app(TEST_CONFIG, environ=TEST_ENVIRON)
    copy = sqlite3.connect(":memory:")
    with app.app_context():
        db.create_all()
        sync_roles()
        with db.engine.connect() as connection:
            connection.connection.driver_connection.backup(copy)
        db.engine.dispose()
    yield copy
    copy.close()


def fill_with_new_tables(new_database):
    """In an app context: the tables and roles of a new app, in the app's database."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        # Flask-SQLAlchemy keeps one connection to an in-memory database: it is the database.
        with db.engine.connect() as connection:
            new_database.backup(connection.connection.driver_connection)
    else:
        db.create_all()
        sync_roles()


@pytest.fixture
def make_app(new_database, template_code):
    """make_app(**config_overrides): a new app with other settings. `environ` adds to
    TEST_ENVIRON; with create_tables=False the app's database is left as it is."""
    apps = []

    def make(*, environ=None, create_tables=True, **config_overrides):
        app = create_app(
            {**TEST_CONFIG, **config_overrides}, environ={**TEST_ENVIRON, **(environ or {})}
        )
        app.jinja_env.bytecode_cache = template_code
        apps.append(app)
        if create_tables:
            with app.app_context():
                fill_with_new_tables(new_database)
        return app

    yield make
    wait_for_mail_jobs()  # a job still running would use a database closed below
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# Users


@pytest.fixture
def writer(app):
    """A client logged in as a confirmed user who may write, sending the CSRF header."""
    add_user(app, "writer@example.org")
    return logged_in(app, app.test_client(), "writer@example.org", csrf_header=True)


@pytest.fixture(params=["token", "session"])
def api_writer(request, app):
    """A user who may write, calling the API with a personal access token or, as the
    browser's scripts do, with the session cookie and the CSRF header."""
    add_user(app, "writer@example.org")
    client = app.test_client()
    if request.param == "token":
        return with_token(client, token_for(app, "writer@example.org"))
    return logged_in(app, client, "writer@example.org", csrf_header=True)


# E-mail


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port, for this test process."""
    with SMTPServer() as server:
        yield server


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.messages.clear()
    return smtp_server


# What the app does


@pytest.fixture
def render_count(monkeypatch):
    """Count how often the home page is really rendered (a cache hit renders nothing)."""
    calls = []
    real_render = views.render_template

    def counting_render(*args, **kwargs):
        calls.append(args)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(views, "render_template", counting_render)
    return calls


@pytest.fixture
def sql_statements(app):
    """The SQL statements the app runs, to show what a cache hit saves."""
    statements = []
    with app.app_context():
        engine = db.engine

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return statements


class RecordList(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def app_log_records():
    """The records of the app's loggers. On the package logger, not the root, so the
    logging set-up of every app a test builds leaves it in place."""
    handler = RecordList()
    logger = logging.getLogger("{{ cookiecutter.package_name }}")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def pytest_collection_finish(session):
    """In a run in one process, a test module with real processes to start (one with a
    `start_early` function: test_serving.py) starts them now, on the other core, instead
    of when its turn comes."""
    if session.config.option.collectonly or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    selected = {}
    for item in session.items:
        if hasattr(getattr(item, "module", None), "start_early"):
            selected.setdefault(item.module, []).append(item)
    for module, items in selected.items():
        directory = Path(tempfile.mkdtemp(prefix=f"{module.__name__}-"))
        session.config.add_cleanup(lambda path=directory: shutil.rmtree(path, ignore_errors=True))
        session.config.add_cleanup(module.start_early(items, directory))
