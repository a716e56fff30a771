"""The account tests run on the database DATABASE_URL names, built by the committed
migrations (a SQLite file without DATABASE_URL), and send their e-mails to a real SMTP
server: every flow is checked on the database the project is deployed on.
"""

import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete, inspect, select
from sqlalchemy.engine import make_url

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import (
    ApiToken,
    LimitCounter,
    LoginSession,
    PasswordFailures,
    Task,
    User,
)
from {{ cookiecutter.package_name }}.settings import database_url
from tests.integration.conftest import unavailable, without_fsync

from ..account_helpers import wait_for_mail_jobs


@pytest.fixture(scope="session")
def accounts_database_url(tmp_path_factory):
    url = database_url(os.environ.get("DATABASE_URL", ""))
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('accounts')}/accounts.sqlite"
    if not url.startswith("sqlite") and "test" not in (make_url(url).database or ""):
        pytest.fail(f"refusing to delete rows in {make_url(url)!r}: its name lacks 'test'")
    return url


@pytest.fixture
def app(make_app, accounts_database_url, smtp_server):
    """An app on the migrated database, mailing to the real SMTP server."""
    app = make_app(
        create_tables=False,
        SQLALCHEMY_DATABASE_URI=accounts_database_url,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.port,
    )
    with app.app_context():
        without_fsync(db.engine)
        try:
            db.session.execute(select(1))
        except Exception as error:
            backend = make_url(accounts_database_url).get_backend_name()
            unavailable(f"database {backend}", str(error).splitlines()[0])
        # Once per run (or again after the tests under tests/integration dropped the
        # tables): the roles come from migration 0002, as in a deployment.
        if not inspect(db.engine).has_table(User.__tablename__):
            upgrade()
    smtp_server.messages.clear()
    yield app
    # Mails still on their way must not land in the next test's mailbox.
    wait_for_mail_jobs()
    with app.app_context():
        db.session.execute(delete(Task))
        db.session.execute(delete(ApiToken))  # SQLite enforces no ON DELETE CASCADE
        db.session.execute(delete(LoginSession))
        db.session.execute(delete(User))
        db.session.execute(delete(LimitCounter))  # e-mails per address, rate-limit windows
        db.session.execute(delete(PasswordFailures))
        db.session.commit()
