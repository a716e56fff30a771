"""CSRF on every form and rate limits on the forms attackers hammer."""

import pytest

from ..account_helpers import PASSWORD, add_user, csrf_token, log_in, logged_in

pytestmark = pytest.mark.integration

ANONYMOUS_FORMS = {
    "/auth/login": {"email": "user@example.org", "password": PASSWORD},
    "/auth/register": {
        "email": "n@example.org",
        "password": PASSWORD,
        "password_confirm": PASSWORD,
    },
    "/auth/resend": {"email": "user@example.org"},
    "/auth/reset": {"email": "user@example.org"},
}
LOGGED_IN_FORMS = {
    "/auth/logout": {},
    "/auth/change-password": {
        "current_password": PASSWORD,
        "password": "x" * 20,
        "password_confirm": "x" * 20,
    },
    "/auth/change-email": {"email": "new@example.org", "current_password": PASSWORD},
    "/tasks/": {"title": "A task"},
}


@pytest.mark.parametrize(("path", "data"), ANONYMOUS_FORMS.items())
def test_anonymous_forms_refuse_a_missing_or_wrong_csrf_token(app, client, path, data):
    add_user(app, "user@example.org")
    assert client.post(path, data=data).status_code == 400
    assert client.post(path, data={**data, "csrf_token": "forged"}).status_code == 400
    assert "Log out" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(("path", "data"), LOGGED_IN_FORMS.items())
def test_logged_in_forms_refuse_a_missing_csrf_token(app, client, path, data):
    add_user(app, "user@example.org")
    log_in(client, "user@example.org")
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert "Log out" in client.get("/").get_data(as_text=True)  # still logged in, unchanged


def test_api_writes_need_the_csrf_header(app, client):
    add_user(app, "user@example.org")
    log_in(client, "user@example.org")
    assert client.post("/api/v1/tasks", json={"title": "x"}).status_code == 400
    token = csrf_token(client, "/auth/account")
    created = client.post("/api/v1/tasks", json={"title": "x"}, headers={"X-CSRFToken": token})
    assert created.status_code == 201


@pytest.mark.parametrize("path", ANONYMOUS_FORMS)
def test_rate_limit_answers_429_and_counts_only_submissions(app, client, path):
    app.config["AUTH_RATE_LIMIT"] = "3 per minute"
    token = csrf_token(client, path)
    data = {**ANONYMOUS_FORMS[path], "email": "nobody@example.org", "csrf_token": token}
    for _ in range(3):
        assert client.get(path).status_code == 200  # looking is free
        assert client.post(path, data=data).status_code in (200, 302)
    limited = client.post(path, data=data)
    assert limited.status_code == 429
    assert "429 Too Many Requests" in limited.get_data(as_text=True)
    assert "You have tried this too often: the limit is 3 per 1 minute" in limited.get_data(
        as_text=True
    )
    assert "Retry-After" in limited.headers
    # Other visitors are not locked out.
    assert (
        client.post(path, data=data, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code != 429
    )


@pytest.mark.parametrize("path", ["/auth/change-email", "/auth/change-password"])
def test_account_changes_are_rate_limited_per_client(app, client, path):
    app.config["AUTH_RATE_LIMIT"] = "3 per minute"
    add_user(app, "user@example.org")
    logged_in(app, client, "user@example.org")
    token = csrf_token(client, path)
    # A wrong current password: nothing changes, and the form is judged each time.
    data = {**LOGGED_IN_FORMS[path], "current_password": "not-my-password", "csrf_token": token}
    for _ in range(3):
        assert client.post(path, data=data).status_code == 400
    limited = client.post(path, data=data)
    assert limited.status_code == 429
    assert "the limit is 3 per 1 minute" in limited.get_data(as_text=True)
