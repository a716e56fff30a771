"""/status is public: states only. What failed and why goes to the log, once per interval."""

import logging

from {{ cookiecutter.package_name }}.database import database_outages
from {{ cookiecutter.package_name }}.main.health import log_failures

from .clocks import FakeClock
from .servers import free_port
{% if cookiecutter.background_jobs == "celery" %}
# The hermetic apps have no broker (no CELERY_BROKER_URL): tests/test_jobs.py has the rest.
NO_BROKER = {"broker": "off"}
{%- else %}
NO_BROKER = {}
{%- endif %}


def warnings_in(records):
    return [record for record in records if record.levelno >= logging.WARNING]


def test_status_ok_when_database_and_cache_answer(client):
    response = client.get("/status")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "cache": "ok", **NO_BROKER}
    assert "private" in response.headers["Cache-Control"]


def test_status_degraded_but_200_when_the_cache_is_down(make_app, app_log_records):
    app = make_app(CACHE_BACKEND="tests.broken_cache.BrokenCache")
    response = app.test_client().get("/status")
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "down",
        **NO_BROKER,
    }
    # The reason is in the log only.
    assert "connection refused" not in response.get_data(as_text=True)
    assert any("connection refused" in record.getMessage() for record in app_log_records)


def test_status_off_when_caching_is_switched_off(make_app):
    app = make_app(CACHE_BACKEND="flask_caching.backends.NullCache")
    response = app.test_client().get("/status")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "cache": "off", **NO_BROKER}


def test_status_503_when_the_database_is_down(make_app, tmp_path, app_log_records):
    missing = tmp_path / "missing" / "dir" / "app.sqlite"
    app = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}")
    response = app.test_client().get("/status")
    assert response.status_code == 503
    assert response.get_json() == {"status": "down", "database": "down", "cache": "ok", **NO_BROKER}
    body = response.get_data(as_text=True)
    assert "OperationalError" not in body
    assert str(tmp_path) not in body
    [record] = [record for record in app_log_records if record.levelno >= logging.ERROR]
    assert "OperationalError" in record.getMessage()


def test_live_answers_with_the_database_and_the_cache_down(make_app, tmp_path):
    # The liveness probe (k8s/): a restart brings no server back, so it asks none.
    missing = tmp_path / "missing" / "dir" / "app.sqlite"
    app = make_app(
        create_tables=False,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{missing}",
        CACHE_BACKEND="tests.broken_cache.BrokenCache",
    )
    client = app.test_client()
    assert client.get("/status").status_code == 503
    response = client.get("/status/live")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "ok\n"
    assert response.headers["Cache-Control"] == "private, no-store"


def test_live_needs_a_trusted_host_like_any_request(make_app):
    # Probes come to the pod's address: they send a TRUSTED_HOSTS name as their Host.
    client = make_app(TRUSTED_HOSTS=["app.example.org"]).test_client()
    assert client.get("/status/live", headers={"Host": "app.example.org"}).status_code == 200
    assert client.get("/status/live", headers={"Host": "10.1.2.3:8000"}).status_code == 400


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
