"""`flask users create-admin`, `flask users list` and `flask roles sync`."""

import pytest

from {{ cookiecutter.package_name }}.auth import cli
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Role

from ..account_helpers import PASSWORD, add_user, get_user, log_in

pytestmark = pytest.mark.integration


@pytest.fixture
def terminal(monkeypatch):
    """Someone at a terminal: create-admin may ask for the password."""
    monkeypatch.setattr(cli, "stdin_is_terminal", lambda: True)


def test_create_admin_prompts_for_the_password_without_echo(app, runner, terminal):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "Boss@Example.org"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
        env={"ADMIN_PASSWORD": None},
    )
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    admin = get_user(app, "boss@example.org")
    assert admin.is_administrator
    assert admin.confirmed
    client = app.test_client()
    log_in(client, "boss@example.org")
    assert client.get("/admin/users").status_code == 200


def test_create_admin_states_the_rules_before_asking(app, runner, terminal):
    result = runner.invoke(
        args=["users", "create-admin", "--email", "boss@example.org"],
        input=f"short\nshort\nboss-{PASSWORD}\nboss-{PASSWORD}\n{PASSWORD}\n{PASSWORD}\n",
        env={"ADMIN_PASSWORD": None},
    )
    assert result.exit_code == 0, result.output
    rules = result.output.index("at least 12 characters")
    assert rules < result.output.index("Password:")
    assert "commonly used password" in result.output
    assert "must not contain the e-mail address" in result.output
    # A refused password is asked again, with the reason.
    assert "Password refused: Use at least 12 characters." in result.output
    assert "The password must not contain your e-mail address." in result.output
    assert get_user(app, "boss@example.org").is_administrator


def test_create_admin_without_a_terminal_asks_for_admin_password(app, runner):
    # The runner's stdin is no terminal, like a deploy script's.
    result = runner.invoke(
        args=["users", "create-admin", "--email", "boss@example.org"],
        env={"ADMIN_PASSWORD": None},
    )
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: No terminal to ask for the password: set ADMIN_PASSWORD instead."
    ]
    assert get_user(app, "boss@example.org") is None


def test_create_admin_reads_the_password_from_the_environment(app, runner):
    add_user(app, "promoted@example.org")
    result = runner.invoke(
        args=["users", "create-admin", "--email", "promoted@example.org"],
        env={"ADMIN_PASSWORD": "a-password-for-automation-9"},
    )
    assert result.exit_code == 0, result.output
    assert "Password" not in result.output  # no rules, no prompt
    assert get_user(app, "promoted@example.org").is_administrator


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [("boss@example.org", "short", "at least 12"), ("not-an-address", PASSWORD, "not an e-mail")],
)
def test_create_admin_refuses_bad_input(app, runner, email, password, message):
    result = runner.invoke(
        args=["users", "create-admin", "--email", email], env={"ADMIN_PASSWORD": password}
    )
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
