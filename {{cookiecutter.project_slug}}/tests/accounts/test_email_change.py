"""Changing the e-mail address: the new one must be confirmed first."""

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


def ask_to_change(client, new_email, password=PASSWORD):
    return submit(client, "/auth/change-email", {"email": new_email, "current_password": password})


def test_change_takes_effect_when_the_new_address_is_confirmed(app, client, smtp_server):
    add_user(app, "old@example.org")
    log_in(client, "old@example.org")
    assert ask_to_change(client, "New@Example.org").status_code == 302
    assert get_user(app, "old@example.org") is not None  # nothing changed yet
    (message,) = received(smtp_server, "new@example.org")
    base_url = app.config["BASE_URL"]
    response = client.get(path_of(link_in(message, base_url), base_url), follow_redirects=True)
    assert any("now new@example.org" in m for m in flashes(response))
    assert get_user(app, "old@example.org") is None
    assert log_in(app.test_client(), "new@example.org").status_code == 302


def test_change_needs_the_password(app, client, smtp_server):
    add_user(app, "old@example.org")
    log_in(client, "old@example.org")
    response = ask_to_change(client, "new@example.org", "not-my-password")
    assert response.status_code == 400  # the refused form, with its errors
    assert "not your current password" in response.get_data(as_text=True)


def test_taken_address_is_not_revealed_and_its_owner_is_told(app, client, smtp_server):
    add_user(app, "old@example.org")
    add_user(app, "taken@example.org")
    log_in(client, "old@example.org")
    response = ask_to_change(client, "taken@example.org")
    assert response.status_code == 302
    (message,) = received(smtp_server, "taken@example.org")
    assert "already has one" in message.get_body(preferencelist=("plain",)).get_content()


def test_link_works_only_for_its_user_and_current_address(app, client):
    old_id = add_user(app, "old@example.org")
    add_user(app, "intruder@example.org")
    with app.test_request_context():
        token = make_token(
            Purpose.CHANGE_EMAIL,
            {"user": old_id, "old": "old@example.org", "new": "new@example.org"},
        )
    log_in(client, "intruder@example.org")
    refused = client.get(f"/auth/change-email/{token}", follow_redirects=True)
    assert any("invalid" in m for m in flashes(refused))
    assert get_user(app, "intruder@example.org") is not None
    assert get_user(app, "new@example.org") is None

    anonymous = app.test_client().get(f"/auth/change-email/{token}")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/auth/login?next=")

    owner = app.test_client()
    log_in(owner, "old@example.org")
    app.config["EMAIL_CHANGE_TOKEN_MAX_AGE"] = -1
    expired = owner.get(f"/auth/change-email/{token}", follow_redirects=True)
    assert any("expired" in m for m in flashes(expired))
    assert get_user(app, "old@example.org") is not None
