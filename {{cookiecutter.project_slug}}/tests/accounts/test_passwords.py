"""Password reset by e-mail and password change."""

import pytest

from {{ cookiecutter.package_name }}.auth.tokens import Purpose, make_token

from ..account_helpers import (
    PASSWORD,
    add_user,
    flashes,
    get_user,
    link_in,
    log_in,
    path_of,
    received,
    submit,
)

pytestmark = pytest.mark.integration
NEW_PASSWORD = "another-long-passphrase-77"


def ask_for_reset(app, email):
    return submit(app.test_client(), "/auth/reset", {"email": email}, follow=True)


def choose(client, path, password=NEW_PASSWORD, token_from=None):
    data = {"password": password, "password_confirm": password}
    return submit(client, path, data, token_from=token_from)


def test_reset_by_email_works_once(app, client, smtp_server):
    add_user(app, "user@example.org")
    ask_for_reset(app, "user@example.org")
    (message,) = received(smtp_server, "user@example.org")
    base_url = app.config["BASE_URL"]
    path = path_of(link_in(message, base_url), base_url)
    response = choose(client, path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    assert log_in(app.test_client(), "user@example.org", PASSWORD).status_code == 200
    assert log_in(app.test_client(), "user@example.org", NEW_PASSWORD).status_code == 302
    # The link was for the old password: it is spent.
    reused = client.get(path, follow_redirects=True)
    assert any("already used" in message for message in flashes(reused))
    spent = choose(app.test_client(), path, token_from="/auth/reset")
    assert spent.headers["Location"] == "/auth/reset"


def test_reset_answers_the_same_for_unknown_addresses(app, smtp_server):
    add_user(app, "user@example.org")
    known = flashes(ask_for_reset(app, "user@example.org"))
    unknown = flashes(ask_for_reset(app, "nobody@example.org"))
    assert [m.replace("user@", "X@") for m in known] == [
        m.replace("nobody@", "X@") for m in unknown
    ]
    received(smtp_server, "user@example.org")
    assert all("nobody@example.org" not in e.rcpt_tos for e in smtp_server.messages)


def test_reset_confirms_an_unconfirmed_address(app, client):
    user_id = add_user(app, "waiting@example.org", confirmed=False)
    user = get_user(app, "waiting@example.org")
    with app.test_request_context():
        token = make_token(
            Purpose.RESET_PASSWORD, {"user": user_id, "password": user.password_fingerprint}
        )
    choose(client, f"/auth/reset/{token}")
    assert get_user(app, "waiting@example.org").confirmed is True


def test_expired_tampered_and_foreign_reset_links_are_refused(app, client):
    user_id = add_user(app, "user@example.org")
    fingerprint = get_user(app, "user@example.org").password_fingerprint
    with app.test_request_context():
        good = make_token(Purpose.RESET_PASSWORD, {"user": user_id, "password": fingerprint})
        confirm_token = make_token(Purpose.CONFIRM, {"user": user_id, "email": "user@example.org"})
    for token in [good[:-3] + "xyz", confirm_token, "garbage"]:
        response = client.get(f"/auth/reset/{token}", follow_redirects=True)
        assert any("invalid" in message for message in flashes(response)), token
        refused = choose(client, f"/auth/reset/{token}", token_from="/auth/reset")
        assert refused.headers["Location"] == "/auth/reset"
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    response = client.get(f"/auth/reset/{good}", follow_redirects=True)
    assert any("expired" in message for message in flashes(response))
    assert log_in(app.test_client(), "user@example.org", PASSWORD).status_code == 302


def test_reset_refuses_a_weak_new_password(app, client):
    user_id = add_user(app, "user@example.org")
    fingerprint = get_user(app, "user@example.org").password_fingerprint
    with app.test_request_context():
        token = make_token(Purpose.RESET_PASSWORD, {"user": user_id, "password": fingerprint})
    response = choose(client, f"/auth/reset/{token}", "letmein12345")
    assert response.status_code == 400  # the refused form, with its errors
    assert "too common" in response.get_data(as_text=True)


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, client):
    add_user(app, "user@example.org")
    other_device = app.test_client()
    log_in(client, "user@example.org")
    log_in(other_device, "user@example.org", remember=True)
    data = {
        "current_password": "wrong-current-password",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    refused = submit(client, "/auth/change-password", data)
    assert refused.status_code == 400  # the refused form, with its errors
    assert "not your current password" in refused.get_data(as_text=True)

    data["current_password"] = PASSWORD
    assert submit(client, "/auth/change-password", data).status_code == 302
    assert client.get("/auth/account").status_code == 200  # this session goes on
    assert other_device.get("/auth/account").status_code == 302  # that one, and its
    other_device.delete_cookie(app.config["SESSION_COOKIE_NAME"])  # remember-me, ended
    assert other_device.get("/auth/account").status_code == 302
    assert log_in(app.test_client(), "user@example.org", NEW_PASSWORD).status_code == 302
