"""Removing the accounts never confirmed: `flask users purge-unconfirmed` and the job
behind it{%- if cookiecutter.background_jobs == "celery" %} (run daily by Celery beat){%- endif %}."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from {{ cookiecutter.package_name }}.auth.cleanup import purge_unconfirmed
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Task, User
from {{ cookiecutter.package_name }}.models.types import utc_now

from ..account_helpers import add_user, get_user

pytestmark = pytest.mark.integration

NOW = utc_now()


def registered(app, email, days_ago, confirmed=False):
    user_id = add_user(app, email, confirmed=confirmed)
    with app.app_context():
        db.session.get(User, user_id).created_at = NOW - timedelta(days=days_ago)
        db.session.commit()
    return user_id


def test_only_old_unconfirmed_accounts_go(app):
    registered(app, "old@example.org", days_ago=8)
    registered(app, "new@example.org", days_ago=6)
    registered(app, "confirmed@example.org", days_ago=30, confirmed=True)
    with app.app_context():
        assert purge_unconfirmed(7, now=NOW) == 1
        # Run again (a retried job): nothing left to do.
        assert purge_unconfirmed(7, now=NOW) == 0
    assert get_user(app, "old@example.org") is None
    assert get_user(app, "new@example.org") is not None
    assert get_user(app, "confirmed@example.org") is not None


def test_a_backlog_goes_in_batches_and_tasks_lose_their_owner(app):
    owner = registered(app, "owner@example.org", days_ago=10)
    for number in range(4):
        registered(app, f"stale{number}@example.org", days_ago=10)
    with app.app_context():
        db.session.add(Task(title="left behind", owner_id=owner))
        db.session.commit()
        assert purge_unconfirmed(7, now=NOW, batch_size=2) == 5
        assert db.session.scalar(select(User).where(User.confirmed.is_(False))) is None
        task = db.session.scalar(select(Task).where(Task.title == "left behind"))
        assert task.owner_id is None


def test_the_command_uses_the_setting_or_its_option(app, runner):
    registered(app, "ten@example.org", days_ago=10)
    registered(app, "twenty@example.org", days_ago=20)
    app.config["UNCONFIRMED_ACCOUNT_DAYS"] = 15
    result = runner.invoke(args=["users", "purge-unconfirmed"])
    assert result.exit_code == 0, result.output
    assert "Removed 1 account(s) left unconfirmed for more than 15 days." in result.output
    assert get_user(app, "ten@example.org") is not None

    result = runner.invoke(args=["users", "purge-unconfirmed", "--days", "5"])
    assert "Removed 1 account(s)" in result.output
    assert get_user(app, "ten@example.org") is None

    result = runner.invoke(args=["users", "purge-unconfirmed", "--days", "0"])
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output
