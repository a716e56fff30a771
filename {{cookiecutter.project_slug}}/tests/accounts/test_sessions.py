"""A login ends when its user ends it: logout, "log out everywhere", a new password or a
reset end it on the server, so no copy of a cookie taken before opens the account again."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from {{ cookiecutter.package_name }}.auth import sessions
from {{ cookiecutter.package_name }}.auth.cleanup import purge_unconfirmed
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import LoginSession, User
from {{ cookiecutter.package_name }}.models.types import utc_now

from ..account_helpers import PASSWORD, add_user, link_in, log_in, path_of, received, submit

pytestmark = pytest.mark.integration

EMAIL = "user@example.org"
REMEMBER = "remember_token"


def log_out(client, path="/auth/logout"):
    response = submit(client, path, {}, token_from="/auth/account")
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def is_in(client):
    return client.get("/auth/account").status_code == 200


def copy_of(app, client, names):
    """A second browser holding copies of `client`'s cookies `names` (an attacker who
    read them, a shared computer's disk ...)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, f"{name} was never set"
        thief.set_cookie(name, cookie.value)
    return thief


def session_cookie(app):
    return app.config["SESSION_COOKIE_NAME"]


def test_logout_of_a_remembered_login_logs_out(app, client):
    add_user(app, EMAIL)
    log_in(client, EMAIL, remember=True)
    assert client.get_cookie(REMEMBER) is not None
    log_out(client)
    assert client.get_cookie(REMEMBER) is None
    assert not is_in(client)
    client.delete_cookie(session_cookie(app))  # and after the browser restarts
    assert not is_in(client)


@pytest.mark.parametrize("kept", ["session", "remember", "both"])
def test_cookies_copied_before_logout_open_nothing_after_it(app, client, kept):
    add_user(app, EMAIL)
    log_in(client, EMAIL, remember=True)
    names = {
        "session": [session_cookie(app)],
        "remember": [REMEMBER],
        "both": [session_cookie(app), REMEMBER],
    }[kept]
    assert is_in(copy_of(app, client, names))  # the copies work while the login lasts
    thief = copy_of(app, client, names)
    log_out(client)
    assert not is_in(thief)
    assert not is_in(copy_of(app, thief, [n for n in names if thief.get_cookie(n)]))


@pytest.mark.parametrize("remember", [True, False])
def test_a_login_ends_at_its_expiry_whatever_the_cookie_says(app, client, monkeypatch, remember):
    add_user(app, EMAIL)
    log_in(client, EMAIL, remember=remember)
    names = [REMEMBER] if remember else [session_cookie(app)]
    with app.app_context():
        lifetime = sessions.login_lifetime(remember)
    real_now = sessions.utc_now
    monkeypatch.setattr(sessions, "utc_now", lambda: real_now() + lifetime - timedelta(minutes=1))
    assert is_in(copy_of(app, client, names))
    monkeypatch.setattr(sessions, "utc_now", lambda: real_now() + lifetime + timedelta(minutes=1))
    assert not is_in(copy_of(app, client, names))


def test_remember_cookie_lasts_remember_cookie_days(app):
    with app.app_context():
        assert sessions.login_lifetime(True) == timedelta(
            seconds=app.config["REMEMBER_COOKIE_DURATION"]
        )
        assert sessions.login_lifetime(False) == app.permanent_session_lifetime


def test_log_out_everywhere_ends_every_login_of_the_account(app, client):
    add_user(app, EMAIL)
    add_user(app, "other@example.org")
    phone, laptop, someone_else = app.test_client(), app.test_client(), app.test_client()
    log_in(client, EMAIL)
    log_in(phone, EMAIL, remember=True)
    log_in(laptop, EMAIL)
    log_in(someone_else, "other@example.org", remember=True)
    stolen = copy_of(app, phone, [REMEMBER])
    assert "Log out everywhere" in client.get("/auth/account").get_data(as_text=True)

    assert log_out(client, "/auth/logout-everywhere").headers["Location"] == "/"
    for browser in (client, phone, laptop, stolen):
        assert not is_in(browser)
    phone.delete_cookie(session_cookie(app))
    assert not is_in(phone)  # its remember cookie too
    assert is_in(someone_else)  # other accounts keep their logins
    again = app.test_client()
    log_in(again, EMAIL)
    assert is_in(again)  # the password still works


def test_log_out_everywhere_is_a_post_with_a_csrf_token(app, client):
    add_user(app, EMAIL)
    log_in(client, EMAIL)
    assert client.get("/auth/logout-everywhere").status_code == 405
    assert client.post("/auth/logout-everywhere").status_code == 400
    assert is_in(client)


def test_a_password_reset_ends_every_login_and_remember_cookie(app, client, smtp_server):
    add_user(app, EMAIL)
    remembered = app.test_client()
    log_in(remembered, EMAIL, remember=True)
    stolen = copy_of(app, remembered, [REMEMBER])
    submit(client, "/auth/reset", {"email": EMAIL})
    link = link_in(received(smtp_server, EMAIL)[0], app.config["BASE_URL"])
    new_password = "another-long-unusual-passphrase-7"
    data = {"password": new_password, "password_confirm": new_password}
    assert submit(remembered, path_of(link, app.config["BASE_URL"]), data).status_code == 302
    assert remembered.get_cookie(REMEMBER) is None  # the browser that reset it
    assert not is_in(remembered)
    assert not is_in(stolen)
    assert log_in(app.test_client(), EMAIL, PASSWORD).status_code == 200  # refused


def test_a_new_password_keeps_this_login_and_ends_copies_of_the_others(app, client):
    add_user(app, EMAIL)
    other = app.test_client()
    log_in(client, EMAIL, remember=True)
    log_in(other, EMAIL, remember=True)
    stolen = copy_of(app, other, [session_cookie(app), REMEMBER])
    mine = copy_of(app, client, [REMEMBER])
    new_password = "another-long-unusual-passphrase-7"
    data = {
        "current_password": PASSWORD,
        "password": new_password,
        "password_confirm": new_password,
    }
    assert submit(client, "/auth/change-password", data).status_code == 302
    assert is_in(client)
    assert is_in(mine)  # this login's own remember cookie goes on too
    assert not is_in(other)
    assert not is_in(stolen)


def test_removed_accounts_take_their_logins_with_them(app, client):
    add_user(app, EMAIL)
    add_user(app, "waiting@example.org", confirmed=False)
    waiting = app.test_client()
    log_in(client, EMAIL, remember=True)
    log_in(waiting, "waiting@example.org", remember=True)
    assert logins(app) == 2
    with app.app_context():
        purge_unconfirmed(days=1, now=utc_now() + timedelta(days=2))
    assert logins(app) == 1
    with app.app_context():
        db.session.delete(User.by_email(EMAIL))
        db.session.commit()
    assert logins(app) == 0
    assert not is_in(client)


def logins(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LoginSession))
