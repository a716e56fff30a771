"""The committed migrations and the models on the database DATABASE_URL names.

With no DATABASE_URL the tests use a fresh SQLite file. A server database must
have "test" in its name: the tests create and drop every table in it.
"""

import csv
import io
import os
import sqlite3
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Task
from {{ cookiecutter.package_name }}.settings import database_url
from tests.integration.conftest import unavailable, without_fsync

pytestmark = pytest.mark.integration


@pytest.fixture
def migrated_app(make_app, tmp_path):
    url = database_url(os.environ.get("DATABASE_URL", "")) or f"sqlite:///{tmp_path}/test.sqlite"
    if not url.startswith("sqlite") and "test" not in (make_url(url).database or ""):
        pytest.fail(f"refusing to drop tables in {make_url(url)!r}: its name lacks 'test'")
    app = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        without_fsync(db.engine)
        try:
            db.session.execute(select(1))
        except Exception as error:
            unavailable(f"database {make_url(url).get_backend_name()}", str(error).splitlines()[0])
        db.drop_all()
        db.session.execute(db.text("DROP TABLE IF EXISTS alembic_version"))
        db.session.commit()
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")


def test_migrations_match_the_models(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert differences == []


def test_downgrade_removes_the_schema(migrated_app):
    with migrated_app.app_context():
        downgrade(revision="base")
        assert "tasks" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "tasks" in inspect(db.engine).get_table_names()


def test_tasks_round_trip(migrated_app):
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with migrated_app.app_context():
        db.session.add(Task(title="Ünïcode ✓", description="x" * 5000, created_at=created))
        db.session.commit()
        db.session.expunge_all()
        task = db.session.scalars(select(Task)).one()
    assert task.title == "Ünïcode ✓"
    assert len(task.description) == 5000
    assert task.done is False
    assert task.created_at == created


def test_aware_times_in_other_zones_are_stored_as_utc(migrated_app):
    local = datetime(2026, 6, 1, 14, 0, tzinfo=timezone(timedelta(hours=2)))
    with migrated_app.app_context():
        db.session.add(Task(title="zoned", created_at=local))
        db.session.commit()
        db.session.expunge_all()
        stored = db.session.scalars(select(Task)).one().created_at
    assert stored == local
    assert stored.utcoffset() == timedelta(0)


def test_export_and_status_on_the_real_database(migrated_app):
    client = migrated_app.test_client()
    with migrated_app.app_context():
        db.session.add_all(Task(title=f"task {n}") for n in range(1200))
        db.session.commit()
    rows = list(csv.reader(io.StringIO(client.get("/tasks/export.csv").get_data(as_text=True))))
    assert len(rows) == 1201
    assert rows[-1][1] == "task 1199"
    assert client.get("/status").get_json()["database"] == "ok"


@contextmanager
def statement_outlasting_one_second(url):
    """SQL that takes longer than a read timeout of 1 s on this database: a sleep on a
    server; on SQLite, which has no statement timeout, a read while another connection
    holds the lock (it waits for the busy timeout)."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        yield "SELECT pg_sleep(5)"
    elif backend == "mysql":
        yield "SELECT SLEEP(5)"
    else:
        holder = sqlite3.connect(make_url(url).database, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield "SELECT count(*) FROM tasks"
        finally:
            holder.close()


def test_a_statement_outlasting_the_read_timeout_is_a_503(migrated_app, make_app):
    url = migrated_app.config["SQLALCHEMY_DATABASE_URI"]
    # SQLite's busy timeout takes a fraction of a second; the servers' timeouts, seconds.
    timeout = 0.05 if url.startswith("sqlite") else 1
    app = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI=url, DATABASE_READ_TIMEOUT=timeout)
    client = app.test_client()
    with statement_outlasting_one_second(url) as statement:

        @app.get("/slow")
        def slow():
            db.session.execute(text(statement))
            return "finished"

        response = client.get("/slow", headers={"Accept": "application/json"})
        assert response.status_code == 503
        assert response.get_json()["status"] == 503
    # The broken or cancelled connection is not handed to the next request.
    assert client.get("/api/v1/tasks").status_code == 200
