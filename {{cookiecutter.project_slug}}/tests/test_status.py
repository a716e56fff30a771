"""/status is public: states only. What failed and why goes to the log, once per interval."""

import logging

from {{ cookiecutter.package_name }}.database import database_outages
from {{ cookiecutter.package_name }}.main.health import log_failures

from .clocks import FakeClock
from .servers import free_port


def warnings_in(records):
    return [record for record in records if record.levelno >= logging.WARNING]


def test_status_ok_when_database_and_cache_answer(client):
    response = client.get("/status")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "private" in response.headers["Cache-Control"]


def test_status_degraded_but_200_when_the_cache_is_down(make_app, app_log_records):
    app = make_app(CACHE_BACKEND="tests.broken_cache.BrokenCache")
    response = app.test_client().get("/status")
    assert response.status_code == 200
    assert response.get_json() == {"status": "degraded", "database": "ok", "cache": "down"}
    # The reason is in the log only.
    assert "connection refused" not in response.get_data(as_text=True)
    assert any("connection refused" in record.getMessage() for record in app_log_records)


def test_status_off_when_caching_is_switched_off(make_app):
    app = make_app(CACHE_BACKEND="flask_caching.backends.NullCache")
    response = app.test_client().get("/status")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "cache": "off"}


def test_status_503_when_the_database_is_down(make_app, tmp_path, app_log_records):
    missing = tmp_path / "missing" / "dir" / "app.sqlite"
    app = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    response = app.test_client().get("/status")
    assert response.status_code == 503
    assert response.get_json() == {"status": "down", "database": "down", "cache": "ok"}
    body = response.get_data(as_text=True)
    assert "OperationalError" not in body
    assert str(tmp_path) not in body
    [record] = [record for record in app_log_records if record.levelno >= logging.ERROR]
    assert "OperationalError" in record.getMessage()


def test_status_shows_no_host_port_or_driver_of_an_unreachable_server(make_app):
    port = free_port()
    {%- if cookiecutter.database == "postgresql" %}
    url = f"postgresql+psycopg://app:secret@127.0.0.1:{port}/app"
    {%- elif cookiecutter.database == "mysql" %}
    url = f"mysql+pymysql://app:secret@127.0.0.1:{port}/app"
    {%- else %}
    url = f"sqlite:////nonexistent-{port}/app.sqlite"
    {%- endif %}
    app = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/status")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    for leak in ("127.0.0.1", str(port), "secret", "psycopg", "pymysql", "sqlite", "nonexistent"):
        assert leak not in body


def test_recovery_is_logged_and_the_next_failure_reported_at_once(app, app_log_records):
    outage = RuntimeError("connection refused")
    with app.app_context():
        database_outages().clock = FakeClock()  # frozen: only a recovery re-opens reporting
        cache_ok = {"ok": True}
        log_failures({"ok": False, "error": str(outage)}, cache_ok)
        log_failures({"ok": True}, cache_ok)
        log_failures({"ok": False, "error": str(outage)}, cache_ok)
    messages = [record.getMessage() for record in warnings_in(app_log_records)]
    assert len(messages) == 3
    assert "answers again" in messages[1]
    assert "connection refused" in messages[2]
