import logging

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import event

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.auth.cli import sync_roles
from {{ cookiecutter.package_name }}.extensions import db, limiter
from {{ cookiecutter.package_name }}.main import views

from .account_helpers import add_user, log_in_for_api, token_for, with_token
from .servers import SMTPServer

# Hermetic by default: the apps read this mapping, never the process environment or a
# .env file, so every other variable has its default (no log files, mail or Slack).
# SQLite in memory and an in-process cache; the tests under tests/integration use the
# real servers named by the environment instead.
HERMETIC_ENVIRON = {
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
# Whatever the chosen backend, the cache lives in this process.
HERMETIC_SETTINGS = {"CACHE_BACKEND": "flask_caching.backends.SimpleCache", "CACHE_THRESHOLD": 500}


class SharedTemplateCode(BytecodeCache):
    """Each template compiled once for the whole run instead of once per app: each test
    builds its own app, and compiling the templates again would be most of its time.
    An entry is used only while the template's source is the same."""

    def __init__(self):
        self.entries = {}

    def load_bytecode(self, bucket):
        checksum, code = self.entries.get(bucket.key, (None, None))
        if checksum == bucket.checksum:
            bucket.code = code

    def dump_bytecode(self, bucket):
        self.entries[bucket.key] = (bucket.checksum, bucket.code)


TEMPLATE_CODE = SharedTemplateCode()


@pytest.fixture
def make_app():
    """Build an app from the hermetic environment plus `environ`, with config
    `overrides`, tables created."""
    apps = []

    def build(create_tables=True, environ=None, **overrides):
        app = create_app(
            {**HERMETIC_SETTINGS, **overrides}, environ={**HERMETIC_ENVIRON, **(environ or {})}
        )
        app.jinja_env.bytecode_cache = TEMPLATE_CODE
        if create_tables:
            with app.app_context():
                db.create_all()
                sync_roles()
        if app.config["RATELIMIT_STORAGE_URI"] == "memory://":
            with app.app_context():
                limiter.reset()  # one limiter per process: no counts from the previous test
        apps.append(app)
        return app

    yield build
    for app in apps:
        with app.app_context():
            db.session.remove()
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


@pytest.fixture
def writer(app):
    """A client logged in as a confirmed user who may write, sending the CSRF header."""
    add_user(app, "writer@example.org")
    return log_in_for_api(app.test_client(), "writer@example.org")


@pytest.fixture(params=["token", "session"])
def api_writer(request, app):
    """A user who may write, calling the API with a personal access token or, as the
    browser's scripts do, with the session cookie and the CSRF header."""
    add_user(app, "writer@example.org")
    client = app.test_client()
    if request.param == "token":
        return with_token(client, token_for(app, "writer@example.org"))
    return log_in_for_api(client, "writer@example.org")


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a free port, for this test process."""
    with SMTPServer() as server:
        yield server


@pytest.fixture
def mailbox(smtp_server):
    smtp_server.messages.clear()
    return smtp_server


@pytest.fixture
def mail_app(make_app, smtp_server):
    """An app that sends its e-mails to the real SMTP server."""
    return make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)


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
    yield statements
    event.remove(engine, "before_cursor_execute", record)


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
