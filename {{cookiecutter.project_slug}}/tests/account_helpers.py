"""Helpers for tests that use accounts: users in the database, CSRF tokens, logging in,
and the e-mails the real SMTP server received."""

import email
import email.policy
import re
import threading

from flask import session
from flask_wtf.csrf import generate_csrf

from {{ cookiecutter.package_name }}.auth.api_tokens import issue_token
from {{ cookiecutter.package_name }}.auth.passwords import hash_password
from {{ cookiecutter.package_name }}.auth.sessions import log_in as start_login
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.mail import MAIL_THREAD_PREFIX
from {{ cookiecutter.package_name }}.models import Role, User
from {{ cookiecutter.package_name }}.models.types import utc_now

from .servers import wait_for

PASSWORD = "a-long-unusual-passphrase-42"
CSRF_INPUT = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def add_user(app, email, password=PASSWORD, confirmed=True, role="User"):
    """A user straight in the database; returns its id."""
    with app.app_context():
        user = User(
            email=email,
            password_hash=hash_password(password),
            confirmed=confirmed,
            confirmed_at=utc_now() if confirmed else None,
            role=Role.named(role) if role else None,
        )
        db.session.add(user)
        db.session.commit()
        return user.id


def get_user(app, email):
    with app.app_context():
        user = User.by_email(email)
        if user is not None:
            db.session.expunge(user)
        return user


def csrf_token(client, path):
    """The CSRF token of the form on `path` (which puts it in the client's session)."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_INPUT.search(page) or CSRF_META.search(page)
    assert match, f"no CSRF token on {path}"
    return next(group for group in match.groups() if group)


def submit(client, path, data, follow=False, token_from=None):
    """POST a form on `path` the way a browser does: with the token of the form (taken
    from the page `token_from` when `path` shows no form)."""
    token = csrf_token(client, token_from or path)
    return client.post(path, data={**data, "csrf_token": token}, follow_redirects=follow)


def register(client, email, password=PASSWORD, confirm=None):
    data = {"email": email, "password": password, "password_confirm": confirm or password}
    return submit(client, "/auth/register", data)


def log_in(client, email, password=PASSWORD, remember=False, next_path=None):
    path = "/auth/login" + (f"?next={next_path}" if next_path else "")
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return submit(client, path, data)


def logged_in(app, client, email, csrf_header=False):
    """The client with the session a login through the form leaves, put there directly:
    for tests of what a logged-in user does (tests/accounts/ log in through the form).
    With csrf_header, it also sends the CSRF token with every request, as the browser's
    scripts do."""
    with app.test_request_context(environ_base=client.environ_base):
        start_login(User.by_email(email))
        if csrf_header:
            client.environ_base["HTTP_X_CSRFTOKEN"] = generate_csrf()
        values = dict(session)
    with client.session_transaction() as client_session:
        client_session.update(values)
    return client


def token_for(app, email, name="tests", expires_in_days=None):
    """A personal access token of the user, as `flask users token create` makes one."""
    with app.app_context():
        _, secret = issue_token(User.by_email(email), name, expires_in_days)
        db.session.commit()
    return secret


def with_token(client, secret):
    """The client sends the token with every request, as scripts do."""
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def log_in_for_api(client, email, password=PASSWORD):
    """Log in, then send the page's CSRF token with every request, as scripts do."""
    response = log_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/auth/account")
    return client


def flashes(response):
    return re.findall(
        r'<div class="flash alert [^"]*"\s+role="(?:status|alert)">\s*'
        r'<span class="flash-message">(.*?)</span>',
        response.get_data(as_text=True),
        re.S,
    )


def received(smtp_server, to, count=1, timeout=10.0):
    """The messages the SMTP server received for `to`, once there are `count` of them
    (sending happens on a background thread)."""

    def for_recipient():
        found = [
            email.message_from_bytes(envelope.content, policy=email.policy.default)
            for envelope in list(smtp_server.messages)
            if to in envelope.rcpt_tos
        ]
        return found if len(found) >= count else None

    messages = wait_for(for_recipient, timeout=timeout)
    assert messages, f"no e-mail for {to} within {timeout} s"
    return messages


def link_in(message, base_url):
    """The one link of an account e-mail, the same in its text and HTML parts."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    links = re.findall(re.escape(base_url) + r"/auth/[^\s\"<]+", text)
    assert len(set(links)) == 1, text
    assert links[0] in html
    return links[0]


def path_of(link, base_url):
    assert link.startswith(base_url + "/"), link
    return link.removeprefix(base_url)


# Only a failure's bound: a loaded machine may take seconds, a hung job never ends.
MAIL_JOB_TIMEOUT = 120.0


def wait_for_mail_jobs(timeout=MAIL_JOB_TIMEOUT):
    """Until the mail jobs on background threads (mail.py) have ended."""
    for thread in threading.enumerate():
        if thread.name.startswith(MAIL_THREAD_PREFIX):
            thread.join(timeout=timeout)
            assert not thread.is_alive(), f"{thread.name} still runs after {timeout} s"
