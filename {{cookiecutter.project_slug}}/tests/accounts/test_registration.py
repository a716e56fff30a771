"""Registration and e-mail confirmation, through the real SMTP server."""

import pytest

from {{ cookiecutter.package_name }}.auth.tokens import Purpose, make_token

from ..account_helpers import (
    add_user,
    flashes,
    get_user,
    link_in,
    log_in,
    path_of,
    received,
    register,
    submit,
)

pytestmark = pytest.mark.integration


def test_register_confirm_and_log_in(app, client, smtp_server):
    base_url = app.config["BASE_URL"]
    response = register(client, "new@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/login"
    page = client.get("/auth/login")
    assert any("may take a few minutes" in message for message in flashes(page))
    user = get_user(app, "new@example.org")
    assert user.confirmed is False
    assert user.role.name == "User"

    (message,) = received(smtp_server, "new@example.org")
    assert message["Subject"].endswith("Confirm your e-mail address")
    # The request came for "localhost"; the link uses BASE_URL all the same.
    link = link_in(message, base_url)
    confirmed = client.get(path_of(link, base_url), follow_redirects=True)
    assert any("confirmed" in message for message in flashes(confirmed))
    assert get_user(app, "new@example.org").confirmed_at is not None

    assert log_in(client, "new@example.org").headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert "new@example.org" in home
    assert "Log out" in home


def test_address_is_case_insensitive_and_unique(app, client, smtp_server):
    register(client, "Mixed.Case@Example.org")
    assert get_user(app, "mixed.case@example.org").email == "mixed.case@example.org"
    again = register(app.test_client(), "MIXED.case@example.ORG")
    # The same answer as a new registration: nobody learns the address is taken ...
    assert again.status_code == 302
    assert again.headers["Location"] == "/auth/login"
    # ... but its owner hears about it.
    # The two mail jobs run side by side: either may arrive first.
    texts = [
        message.get_body(preferencelist=("plain",)).get_content()
        for message in received(smtp_server, "mixed.case@example.org", count=2)
    ]
    assert len([text for text in texts if "already has one" in text]) == 1
    assert log_in(client, "MIXED.CASE@example.org").status_code == 302


@pytest.mark.parametrize(
    ("password", "confirm", "problem"),
    [
        ("short-pw", None, "at least 12"),
        ("password1234", None, "too common"),
        ("Qwertyuiop123", None, "too common"),
        ("aaaaaaaaaaaaaaa", None, "too common"),
        ("holiday-newuser-2026", None, "must not contain your e-mail"),
        ("a-long-unusual-passphrase", "a-different-passphrase", "passwords differ"),
    ],
)
def test_weak_or_mismatched_passwords_are_refused(app, client, password, confirm, problem):
    response = register(client, "newuser@example.org", password, confirm)
    assert response.status_code == 400  # the refused form, with its errors
    assert problem in response.get_data(as_text=True)
    assert get_user(app, "newuser@example.org") is None


@pytest.mark.parametrize("email", ["", "not-an-address", "two@@example.org", "a@" + "b" * 260])
def test_invalid_addresses_are_refused(app, client, email):
    response = register(client, email)
    assert response.status_code == 400  # the refused form, with its errors
    html = response.get_data(as_text=True)
    assert 'class="form-control is-invalid"' in html
    assert 'class="invalid-feedback"' in html


def test_unconfirmed_user_only_sees_what_to_do(app, client):
    add_user(app, "waiting@example.org", confirmed=False)
    log_in(client, "waiting@example.org")
    for path in ["/", "/tasks/", "/auth/account", "/admin/users"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/auth/unconfirmed"
    page = client.get("/auth/unconfirmed").get_data(as_text=True)
    assert "waiting@example.org" in page
    assert "Send a new link" in page
    api = client.post("/api/v1/tasks", json={"title": "x"}, headers={"X-CSRFToken": "any"})
    assert api.status_code == 403
    assert client.get("/status").status_code == 200


def test_resend_sends_a_new_link_only_to_unconfirmed_accounts(app, client, smtp_server):
    add_user(app, "waiting@example.org", confirmed=False)
    add_user(app, "done@example.org", confirmed=True)
    answers = set()
    for address in ["waiting@example.org", "done@example.org", "nobody@example.org"]:
        response = submit(app.test_client(), "/auth/resend", {"email": address}, follow=True)
        answers.add(flashes(response)[0].replace(address, "ADDRESS"))
    assert len(answers) == 1  # the same reply whatever the address
    (message,) = received(smtp_server, "waiting@example.org")
    base_url = app.config["BASE_URL"]
    client.get(path_of(link_in(message, base_url), base_url))
    assert get_user(app, "waiting@example.org").confirmed is True
    recipients = {rcpt for envelope in smtp_server.messages for rcpt in envelope.rcpt_tos}
    assert recipients == {"waiting@example.org"}


def test_expired_tampered_and_foreign_confirmation_links_are_refused(app, client):
    user_id = add_user(app, "waiting@example.org", confirmed=False)
    with app.test_request_context():
        good = make_token(Purpose.CONFIRM, {"user": user_id, "email": "waiting@example.org"})
        other_address = make_token(Purpose.CONFIRM, {"user": user_id, "email": "x@example.org"})
        reset_token = make_token(Purpose.RESET_PASSWORD, {"user": user_id, "password": "x"})
    tampered = good[:-2] + ("A" if good[-2] != "A" else "B") + good[-1]
    for token in [tampered, other_address, reset_token, "not-a-token"]:
        response = client.get(f"/auth/confirm/{token}", follow_redirects=True)
        assert any("invalid" in message for message in flashes(response)), token
    app.config["CONFIRM_TOKEN_MAX_AGE"] = -1  # every token is already too old
    response = client.get(f"/auth/confirm/{good}", follow_redirects=True)
    assert any("expired" in message for message in flashes(response))
    assert get_user(app, "waiting@example.org").confirmed is False
