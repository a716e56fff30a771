"""`flask users create-admin`, `flask users list` and `flask roles sync`."""

import pytest

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Role

from ..account_helpers import PASSWORD, add_user, get_user, log_in

pytestmark = pytest.mark.integration


def test_create_admin_prompts_for_the_password_without_echo(app, runner):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Boss@Example.org"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    admin = get_user(app, "boss@example.org")
    assert admin.is_administrator
    assert admin.confirmed
    client = app.test_client()
    log_in(client, "boss@example.org")
    assert client.get("/admin/users").status_code == 200


def test_create_admin_reads_the_password_from_the_environment(app, runner, monkeypatch):
    add_user(app, "promoted@example.org")
    monkeypatch.setenv("ADMIN_PASSWORD", "a-password-for-automation-9")
    result = runner.invoke(args=["users", "create-admin", "--email", "promoted@example.org"])
    assert result.exit_code == 0, result.output
    assert get_user(app, "promoted@example.org").is_administrator


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [("boss@example.org", "short", "at least 12"), ("not-an-address", PASSWORD, "not an e-mail")],
)
def test_create_admin_refuses_bad_input(app, runner, monkeypatch, email, password, message):
    monkeypatch.setenv("ADMIN_PASSWORD", password)
    result = runner.invoke(args=["users", "create-admin", "--email", email])
    assert result.exit_code != 0
    assert message in result.output
    assert get_user(app, email) is None


def test_list_shows_every_account(app, runner):
    assert "No users yet" in runner.invoke(args=["users", "list"]).output
    add_user(app, "one@example.org")
    add_user(app, "two@example.org", confirmed=False, role="Moderator")
    lines = runner.invoke(args=["users", "list"]).output.splitlines()
    assert len(lines) == 2
    assert "one@example.org\tUser\tconfirmed" in lines[0]
    assert "two@example.org\tModerator\tunconfirmed" in lines[1]


def test_roles_sync_repairs_changed_roles(app, runner):
    with app.app_context():
        role = Role.named("Moderator")
        role.permissions = 0
        db.session.commit()
    assert "updated Moderator" in runner.invoke(args=["roles", "sync"]).output
    assert "already up to date" in runner.invoke(args=["roles", "sync"]).output
