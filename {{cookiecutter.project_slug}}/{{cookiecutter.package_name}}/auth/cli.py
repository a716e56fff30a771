"""Flask commands for accounts: `flask users create-admin|list|purge-unconfirmed`,
`flask users token create|list|revoke`, `flask roles sync`."""

import os
import sys
from datetime import datetime

import click
from email_validator import EmailNotValidError
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..models import Role, User
from ..models.user import ADMIN_ROLE, ROLES, normalise_email
from .api_tokens import issue_token, live_tokens, revoke_token
from .passwords import hash_password, password_problem
from .sessions import end_logins

users_cli = AppGroup("users", help="Manage user accounts.")
roles_cli = AppGroup("roles", help="Manage roles.")
# For automation (deploy scripts, containers): the password without a prompt.
ADMIN_PASSWORD_VARIABLE = "ADMIN_PASSWORD"  # noqa: S105 (a variable name)


def sync_roles() -> list[str]:
    """Make the roles table match ROLES; returns what changed."""
    existing = {role.name: role for role in db.session.scalars(select(Role))}
    changes = []
    for name, permissions in ROLES.items():
        role = existing.get(name)
        if role is None:
            db.session.add(Role(name=name, permissions=int(permissions)))
            changes.append(f"added {name}")
        elif role.permissions != permissions:
            role.permissions = int(permissions)
            changes.append(f"updated {name}")
    db.session.commit()
    return changes


@roles_cli.command("sync")
def sync_roles_command() -> None:
    """Create or update the default roles (User, Moderator, Administrator)."""
    changes = sync_roles()
    click.echo("Roles: " + (", ".join(changes) if changes else "already up to date") + ".")


@users_cli.command("create-admin")
@click.option("--email", prompt="E-mail", help="The administrator's e-mail address.")
def create_admin(email: str) -> None:
    """Create a confirmed administrator, or promote an existing account.

    The password is prompted for without echo, or read from ADMIN_PASSWORD.
    """
    try:
        email = normalise_email(email)
    except EmailNotValidError as error:
        raise click.BadParameter(
            f"{email!r} is not an e-mail address: {error}", param_hint="--email"
        ) from error
    password = os.environ.get(ADMIN_PASSWORD_VARIABLE)
    if not password:
        password = ask_for_password(email)
    elif problem := password_problem(password, email):
        raise click.ClickException(f"{ADMIN_PASSWORD_VARIABLE} refused: {problem}")
    sync_roles()
    user = User.by_email(email)
    if user is None:
        user = User(email=email)
        db.session.add(user)
    else:
        end_logins(user)  # a new password ends the sessions the old one opened
    user.password_hash = hash_password(password)
    user.role = Role.named(ADMIN_ROLE)
    user.mark_confirmed()
    db.session.commit()
    click.echo(f"{email} is an administrator.")


def stdin_is_terminal() -> bool:
    """Whether someone is there to type a password (the tests replace this)."""
    return sys.stdin.isatty()


def ask_for_password(email: str) -> str:
    """State the rules, then ask (twice, without echo) until a password meets them."""
    if not stdin_is_terminal():
        # A deploy script or container would otherwise read EOF, or wait forever.
        raise click.ClickException(
            f"No terminal to ask for the password: set {ADMIN_PASSWORD_VARIABLE} instead."
        )
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    click.echo(
        f"The password needs at least {minimum} characters, must not be a commonly used "
        "password and must not contain the e-mail address (the part before the @)."
    )
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problem = password_problem(password, email)
        if not problem:
            return password
        click.echo(f"Password refused: {problem} Try another one.")


@users_cli.command("list")
def list_users() -> None:
    """Every account with its role and state."""
    users = db.session.scalars(select(User).order_by(User.id)).all()
    if not users:
        click.echo("No users yet. Create one with: flask users create-admin")
        return
    for user in users:
        role = user.role.name if user.role else "no role"
        state = "confirmed" if user.confirmed else "unconfirmed"
        seen = user.last_seen.strftime("%Y-%m-%d %H:%M") if user.last_seen else "never"
        click.echo(f"{user.id}\t{user.email}\t{role}\t{state}\tlast seen {seen}")


@users_cli.command("purge-unconfirmed")
@click.option(
    "--days",
    type=click.IntRange(min=1),
    default=None,
    help="Age in days of the accounts to remove (default: UNCONFIRMED_ACCOUNT_DAYS).",
)
def purge_unconfirmed_command(days: int | None) -> None:
    """Remove the accounts never confirmed within DAYS days of registering."""
    from .cleanup import purge_unconfirmed

    days = days or current_app.config["UNCONFIRMED_ACCOUNT_DAYS"]
    removed = purge_unconfirmed(days)
    click.echo(f"Removed {removed} account(s) left unconfirmed for more than {days} days.")


@users_cli.group("token")
def token_cli() -> None:
    """Manage a user's API tokens."""


def existing_user(email: str) -> User:
    user = User.by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the e-mail address {email!r}.")
    return user


def when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


@token_cli.command("create")
@click.option("--email", required=True, help="The owner's e-mail address.")
@click.option("--name", required=True, help="A name for the token, unique for its owner.")
@click.option(
    "--expires-days", type=click.IntRange(min=1), default=None, help="Lifetime (default: none)."
)
def create_token(email: str, name: str, expires_days: int | None) -> None:
    """Create a token and print it, once: it is stored only as a hash.

    The token is alone on the last line, for scripts: `flask users token create ... | tail -1`.
    """
    user = existing_user(email)
    try:
        token, secret = issue_token(user, name, expires_days)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    note = "" if user.confirmed else " It works once the account is confirmed."
    click.echo(f"Token {token.name!r} for {user.email}, expires {when(token.expires_at)}.{note}")
    click.echo(secret)


@token_cli.command("list")
@click.option("--email", required=True, help="The owner's e-mail address.")
def list_tokens(email: str) -> None:
    """The user's working tokens: name, prefix, created, expires, last used."""
    user = existing_user(email)
    tokens = live_tokens(user)
    if not tokens:
        click.echo(f"{user.email} has no API tokens.")
    for token in tokens:
        click.echo(
            f"{token.name}\t{token.prefix}…\tcreated {when(token.created_at)}"
            f"\texpires {when(token.expires_at)}\tlast used {when(token.last_used_at)}"
        )


@token_cli.command("revoke")
@click.option("--email", required=True, help="The owner's e-mail address.")
@click.option("--name", required=True, help="The token's name.")
def revoke_token_command(email: str, name: str) -> None:
    """Revoke (delete) one of the user's tokens."""
    user = existing_user(email)
    if not revoke_token(user, name):
        raise click.ClickException(f"{user.email} has no token named {name!r}.")
    click.echo(f"Token {name!r} of {user.email} is revoked.")
