import gc
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from jinja2 import BytecodeCache
from sqlalchemy import event, select

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.auth.cli import sync_roles
from {{ cookiecutter.package_name }}.caching.front import page_front
from {{ cookiecutter.package_name }}.extensions import db, limiter
from {{ cookiecutter.package_name }}.logs import LIBRARY_LOGGERS, configure_logging
from {{ cookiecutter.package_name }}.mail import MAIL_THREAD_PREFIX
from {{ cookiecutter.package_name }}.main import views
from {{ cookiecutter.package_name }}.models import Role

from .account_helpers import add_user, logged_in, token_for, with_token
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


# The modules loaded so far, and those the test modules add (below), live as long as the
# run: the garbage collector need not walk them again at each full collection.
gc.freeze()


def pytest_collection_finish(session):
    gc.freeze()
    if session.config.option.collectonly or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    # One process: a test module with real processes to run (test_serving.py) starts
    # them now, on the other cores, instead of one after another when its turn comes.
    items = {}
    for item in session.items:
        if hasattr(getattr(item, "module", None), "start_early"):
            items.setdefault(item.module, []).append(item)
    for module, selected in items.items():
        directory = Path(tempfile.mkdtemp(prefix=f"{module.__name__}-"))
        stop = module.start_early(selected, directory)
        session.config.add_cleanup(lambda path=directory: shutil.rmtree(path, ignore_errors=True))
        session.config.add_cleanup(stop)


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


class FreshTables:
    """The database of a new app (create_all, then sync_roles), built once per run on
    SQLite in memory and copied into each app's in-memory database with sqlite3's
    backup: the same database as building it again, in a tenth of the time. An app on
    another database (a file, a server) builds its tables itself."""

    def __init__(self):
        self.template = None

    def create(self):
        """In an app context: the tables of a new app, with its roles."""
        if not self.copy_into(db.engine):
            db.create_all()
            sync_roles()
            db.session.remove()
            if is_sqlite_in_memory(db.engine):
                self.template = sqlite3.connect(":memory:", check_same_thread=False)
                with db.engine.connect() as connection:
                    connection.connection.driver_connection.backup(self.template)

    def copy_into(self, engine):
        """Put a new app's tables and rows in `engine`'s database, replacing all it holds;
        False when that database is not SQLite in memory, or no template exists yet."""
        if self.template is None or not is_sqlite_in_memory(engine):
            return False
        with engine.connect() as connection:
            self.template.backup(connection.connection.driver_connection)
        return True


def is_sqlite_in_memory(engine):
    # One connection per app (Flask-SQLAlchemy gives such an engine a StaticPool).
    url = engine.url
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


FRESH_TABLES = FreshTables()


def build_app(create_tables, environ, overrides):
    app = create_app(
        {**HERMETIC_SETTINGS, **overrides}, environ={**HERMETIC_ENVIRON, **(environ or {})}
    )
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    if create_tables:
        with app.app_context():
            FRESH_TABLES.create()
    return app


def reset_limiter(app):
    if app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        with app.app_context():
            limiter.reset()  # one limiter per process: no counts from the previous test


def dispose(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


REQUEST_HOOKS = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "template_context_processors",
    "url_value_preprocessors",
    "url_default_functions",
)
# What an app adds to app.extensions as it runs; reset() takes it away again.
RUNTIME_EXTENSIONS = ("outage_logs", "mail_limit", "password_throttle")


def request_hooks(app):
    return {
        name: {key: list(functions) for key, functions in getattr(app, name).items()}
        for name in REQUEST_HOOKS
    }


def role_rows(app):
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(select(Role.__table__).order_by(Role.id)).all()


def structure(app):
    """What a test could add to an app: its routes, hooks, handlers, extensions and
    middleware. An app whose structure a test changed is not lent again (hooks
    excepted: they are taken away after the test)."""
    return (
        [rule.rule for rule in app.url_map.iter_rules()],
        dict(app.view_functions),
        request_hooks(app),
        list(app.teardown_appcontext_funcs),
        [
            (blueprint, code, exception, handler)
            for blueprint, codes in app.error_handler_spec.items()
            for code, handlers in codes.items()
            for exception, handler in handlers.items()
        ],
        dict(app.jinja_env.globals),
        dict(app.jinja_env.filters),
        sorted(key for key in app.extensions if key not in RUNTIME_EXTENSIONS),
        dict(app.blueprints),
        sorted(app.cli.commands),  # names: `flask db` replaces itself on first use
        app.wsgi_app,
    )


def logging_state():
    """What configure_logging set up, to tell whether a test changed it since (pytest
    adds and removes its own capturing handlers around each test)."""
    loggers = [logging.getLogger(), *map(logging.getLogger, LIBRARY_LOGGERS)]
    return [
        (
            logger.level,
            [
                (handler, handler.level, list(handler.filters))
                for handler in logger.handlers
                if not type(handler).__module__.startswith("_pytest.")
            ],
        )
        for logger in loggers
    ] + [sys.stderr]


class LentApp:
    """An app lent to test after test, as long as they ask for the same settings and no
    test changed its structure; before each test it is put back in the state of a
    freshly built app (config, tables, caches, page front, rate limits, outage logs,
    logging). Building an app (routes, extensions) was most of the suite's time."""

    def __init__(self, key, app, create_tables):
        self.key = key
        self.app = app
        self.create_tables = create_tables
        self.limiter_storage = limiter.storage
        self.config = dict(app.config)
        self.structure = structure(app)
        self.hooks = request_hooks(app)
        front = page_front(app)
        self.front = None if front is None else dict(vars(front))
        self.logging = logging_state()
        self.roles = role_rows(app) if create_tables else None

    def unchanged(self):
        return structure(self.app) == self.structure

    def remove_added_hooks(self):
        for name, hooks in self.hooks.items():
            current = getattr(self.app, name)
            current.clear()
            current.update({key: list(functions) for key, functions in hooks.items()})

    def reset(self):
        app = self.app
        app.config.clear()
        app.config.update(self.config)
        for name in RUNTIME_EXTENSIONS:
            app.extensions.pop(name, None)
        # The checks Flask makes on a new app: a test may add hooks before its requests.
        app._got_first_request = False
        front = page_front(app)
        if front is not None:
            vars(front).update(self.front)
            front.local.clear()
        self.bind_process_state()
        with app.app_context():
            for backend in app.extensions.get("cache", {}).values():
                backend.clear()
            if self.create_tables:
                self.empty_tables()
        reset_limiter(app)

    def bind_process_state(self):
        """Logging and the limiter are the process's, set up by the app built last."""
        if logging_state() != self.logging:
            configure_logging(self.config)  # the settings, as the new app's config
            self.logging = logging_state()
        if limiter.storage is not self.limiter_storage:
            limiter.init_app(self.app)  # its storage settings, as create_app binds it
            self.limiter_storage = limiter.storage

    def empty_tables(self):
        """The tables of a new app: on SQLite in memory, FRESH_TABLES' copy; elsewhere
        emptied, the roles sync_roles wrote kept unless the test changed them (SQLite
        numbers rows from 1 again, as in new tables)."""
        if FRESH_TABLES.copy_into(db.engine):
            return
        roles_kept = role_rows(self.app) == self.roles
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                if not (roles_kept and table is Role.__table__):
                    connection.execute(table.delete())
        if not roles_kept:
            sync_roles()


# Apps kept for lending, the least recently lent first out: enough for the settings a
# test module alternates between (its default app, two "workers", a broken cache...).
LENT_APPS_KEPT = 6


@pytest.fixture(scope="session")
def lent_apps():
    """The apps this process keeps for lending, least recently lent first."""
    lent = []
    yield lent
    for entry in lent:
        dispose(entry.app)


def wait_for_mail_jobs():
    """Until the mail jobs on background threads (mail.py) have ended."""
    for thread in threading.enumerate():
        if thread.name.startswith(MAIL_THREAD_PREFIX):
            thread.join(timeout=30)


@pytest.fixture
def make_app(lent_apps):
    """Build an app from the hermetic environment plus `environ`, with config
    `overrides`, tables created. With reuse=True the app may be one an earlier test
    used with the same arguments, reset to its freshly built state (for tests that
    change neither the app's structure nor the process-wide state behind it); each call
    in a test gets an app of its own."""
    apps = []
    lent = []

    def build(create_tables=True, environ=None, reuse=False, **overrides):
        if reuse:
            key = (
                create_tables,
                repr(sorted((environ or {}).items())),
                repr(sorted(overrides.items())),
            )
            entry = next((e for e in lent_apps if e.key == key and e not in lent), None)
            if entry is not None:
                lent_apps.remove(entry)
                entry.reset()
            else:
                app = build_app(create_tables, environ, overrides)
                reset_limiter(app)
                entry = LentApp(key, app, create_tables)
                idle = [e for e in lent_apps if e not in lent]
                for old in idle[: max(0, len(lent_apps) + 1 - LENT_APPS_KEPT)]:
                    lent_apps.remove(old)
                    dispose(old.app)
            lent_apps.append(entry)
            lent.append(entry)
            return entry.app
        app = build_app(create_tables, environ, overrides)
        reset_limiter(app)
        apps.append(app)
        return app

    yield build
    wait_for_mail_jobs()  # a job still running would use a database disposed of below
    for app in apps:
        dispose(app)
    for entry in lent:
        with entry.app.app_context():
            db.session.remove()
        entry.remove_added_hooks()
        if entry in lent_apps and not entry.unchanged():
            lent_apps.remove(entry)
            dispose(entry.app)


@pytest.fixture
def app(make_app):
    return make_app(reuse=True)


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
