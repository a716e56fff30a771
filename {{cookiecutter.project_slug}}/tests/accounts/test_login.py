"""Logging in and out: sessions, remember-me, safe redirects, hash upgrades."""

import pytest
from argon2 import PasswordHasher
from flask import render_template_string
from flask_login import current_user

from {{ cookiecutter.package_name }}.auth.login import current_visitor
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import User

from ..account_helpers import (
    PASSWORD,
    add_user,
    csrf_token,
    flashes,
    get_user,
    log_in,
    token_for,
    with_token,
)
from ..test_security import REFUSED_TARGETS

pytestmark = pytest.mark.integration


def test_wrong_password_and_unknown_address_get_the_same_answer(app, client):
    add_user(app, "known@example.org")
    answers = []
    for email, password in [
        ("known@example.org", "not-the-password"),
        ("nobody@example.org", PASSWORD),
    ]:
        response = log_in(client, email, password)
        assert response.status_code == 200
        answers.append(flashes(response))
    assert answers[0] == answers[1] == ["Wrong e-mail or password."]
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_login_sets_last_seen_and_clears_the_old_session(app, client):
    add_user(app, "user@example.org")
    with client.session_transaction() as session:
        session["left_over"] = "from before the login"
    log_in(client, "user@example.org")
    with client.session_transaction() as session:
        assert "left_over" not in session
        assert session["_user_id"].startswith(str(get_user(app, "user@example.org").id) + ":")
    assert get_user(app, "user@example.org").last_seen is not None


def test_remember_me_outlives_the_session_cookie(app, client):
    add_user(app, "user@example.org")
    response = log_in(client, "user@example.org", remember=True)
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")
    )
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])  # the browser was closed
    assert "user@example.org" in client.get("/auth/account").get_data(as_text=True)


def test_without_remember_me_closing_the_browser_logs_out(app, client):
    add_user(app, "user@example.org")
    response = log_in(client, "user@example.org")
    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))
    client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    assert client.get("/auth/account").status_code == 302


def test_protected_page_sends_to_login_and_back(app, client):
    add_user(app, "user@example.org")
    response = client.get("/auth/account")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login?next=/auth/account"
    assert (
        log_in(client, "user@example.org", next_path="/auth/account").headers["Location"]
        == "/auth/account"
    )


@pytest.mark.parametrize("target", REFUSED_TARGETS)
def test_login_never_redirects_off_site(app, client, target):
    add_user(app, "user@example.org")
    response = client.post(
        "/auth/login",
        query_string={"next": target},
        data={
            "email": "user@example.org",
            "password": PASSWORD,
            "csrf_token": csrf_token(client, "/auth/login"),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_logout_is_a_post_with_a_csrf_token(app, client):
    add_user(app, "user@example.org")
    log_in(client, "user@example.org")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400  # no CSRF token
    assert "Log out" in client.get("/").get_data(as_text=True)
    token = csrf_token(client, "/auth/account")
    assert client.post("/auth/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/auth/account").status_code == 302


def test_hash_is_upgraded_at_login_when_the_parameters_change(app, client):
    add_user(app, "user@example.org")
    old_hash = get_user(app, "user@example.org").password_hash
    app.config["ARGON2_TIME_COST"] = 2
    log_in(client, "user@example.org")
    new_hash = get_user(app, "user@example.org").password_hash
    assert new_hash != old_hash
    assert "t=2," in new_hash
    assert new_hash.startswith("$argon2id$")
    assert PasswordHasher().verify(new_hash, PASSWORD)


def test_default_hash_parameters_meet_owasp(app):
    from {{ cookiecutter.package_name }}.settings import load_settings

    defaults = load_settings({})
    # OWASP: Argon2id with at least 19 MiB and 2 passes (or a stronger equivalent).
    assert defaults["ARGON2_MEMORY_COST"] >= 19 * 1024
    assert defaults["ARGON2_TIME_COST"] >= 2
    with app.app_context():
        user = db.session.scalar(db.select(User).limit(1))
    assert user is None  # no stray accounts in a fresh test


# The id of the user templates see as current_user, or nothing.
TEMPLATE_VISITOR_ID = "{% raw %}{{ current_user.id if current_user.is_authenticated }}{% endraw %}"


@pytest.mark.parametrize(
    "visitor", ["nobody", "unreadable session", "logged in", "remembered", "token"]
)
def test_templates_see_the_user_flask_login_sees(app, visitor):
    # auth/login.current_visitor answers anonymous without asking Flask-Login when the
    # request cannot name a user: it must never answer otherwise than Flask-Login.
    @app.get("/visitor-probe")
    def probe():
        ours = current_visitor()
        theirs = current_user
        template = render_template_string(TEMPLATE_VISITOR_ID)
        return {
            "ours": getattr(ours, "id", None),
            "flask_login": getattr(theirs, "id", None),
            "template": int(template) if template else None,
        }

    user_id = add_user(app, "user@example.org")
    client = app.test_client()
    if visitor == "unreadable session":
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], "not-a-signed-session")
    elif visitor in ("logged in", "remembered"):
        log_in(client, "user@example.org", remember=visitor == "remembered")
        if visitor == "remembered":
            client.delete_cookie(app.config["SESSION_COOKIE_NAME"])
    elif visitor == "token":
        with_token(client, token_for(app, "user@example.org"))
    answer = client.get("/visitor-probe").json
    assert answer["ours"] == answer["flask_login"] == answer["template"]
    assert answer["ours"] == (user_id if visitor in ("logged in", "remembered") else None)
