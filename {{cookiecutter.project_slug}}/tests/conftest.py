import os

# Tests use the real environment only: never the developer's .env or database.
os.environ["APP_ENV"] = "testing"

import pytest  # noqa: E402
from sqlalchemy import event  # noqa: E402

from {{ cookiecutter.package_name }} import create_app  # noqa: E402
from {{ cookiecutter.package_name }}.extensions import db  # noqa: E402
from {{ cookiecutter.package_name }}.main import views  # noqa: E402

# Hermetic by default: SQLite in memory and an in-process cache. The tests under
# tests/integration use the real servers named by the environment instead.
HERMETIC_SETTINGS = {
    "SECRET_KEY": "test-secret",
    "SQLALCHEMY_DATABASE_URI": "sqlite://",
    "CACHE_BACKEND": "flask_caching.backends.SimpleCache",
    "CACHE_THRESHOLD": 500,
    # Every call reaches the backend; the tests of the retry interval set their own.
    "CACHE_RETRY_INTERVAL": 0,
    "LOG_DIR": "",
    "MAIL_SERVER": "",
    "SLACK_WEBHOOK_URL": "",
    "SENTRY_DSN": "",
}


@pytest.fixture
def make_app():
    """Build an app with the hermetic settings plus overrides, tables created."""
    apps = []

    def build(create_tables=True, **overrides):
        app = create_app({**HERMETIC_SETTINGS, **overrides})
        if create_tables:
            with app.app_context():
                db.create_all()
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
