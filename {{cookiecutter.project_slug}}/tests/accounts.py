"""Helpers for tests that use accounts: users in the database, CSRF tokens, logging in."""

import re

from {{ cookiecutter.package_name }}.auth.passwords import hash_password
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Role, User
from {{ cookiecutter.package_name }}.models.types import utc_now

PASSWORD = "a-long-unusual-passphrase-42"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def add_user(app, email, password=PASSWORD, confirmed=True, role="User"):
    """A user straight in the database; returns its id."""
    with app.app_context():
        user = User(
            email=email,
            password_hash=hash_password(password),
            confirmed=confirmed,
            confirmed_at=utc_now() if confirmed else None,
            role=db.session.scalar(db.select(Role).filter_by(name=role)) if role else None,
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


def submit(client, path, data, follow=False):
    """POST a form on `path` the way a browser does: with the token of the form."""
    return client.post(
        path, data={**data, "csrf_token": csrf_token(client, path)}, follow_redirects=follow
    )


def log_in(client, email, password=PASSWORD, remember=False, next_path=None):
    path = "/auth/login" + (f"?next={next_path}" if next_path else "")
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return submit(client, path, data)


def log_in_for_api(client, email, password=PASSWORD):
    """Log in, then send the page's CSRF token with every request, as scripts do."""
    response = log_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.environ_base["HTTP_X_CSRFTOKEN"] = csrf_token(client, "/auth/account")
    return client


def flashes(response):
    return re.findall(r'<p class="flash [a-z]+" role="status">(.*?)</p>', response.get_data(as_text=True), re.S)
