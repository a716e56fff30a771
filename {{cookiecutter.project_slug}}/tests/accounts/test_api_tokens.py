"""Personal access tokens: stored as hashes, shown once, revoked by their owner, by
expiry and by a new password; the pages and `flask users token`."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from {{ cookiecutter.package_name }}.auth.api_tokens import (
    issue_token,
    live_tokens,
    revoke_token,
    revoke_token_by_id,
    user_for_token,
)
from {{ cookiecutter.package_name }}.auth.tokens import Purpose, make_token
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import ApiToken, User
from {{ cookiecutter.package_name }}.models.types import utc_now

from ..account_helpers import PASSWORD, add_user, csrf_token, flashes, log_in, submit, token_for

pytestmark = pytest.mark.integration
NEW_PASSWORD = "another-long-passphrase-77"
SECRET = re.compile(r"pat_[A-Za-z0-9_-]{43}")


def owner_of(app, secret):
    with app.app_context():
        found = user_for_token(secret)
        return None if found is None else found[0].email


def tokens_of(app, email):
    with app.app_context():
        return [
            (token.id, token.name)
            for token in db.session.scalars(select(ApiToken).join(User).where(User.email == email))
        ]


def update_token(app, name, **values):
    with app.app_context():
        token = db.session.scalar(select(ApiToken).filter_by(name=name))
        for key, value in values.items():
            setattr(token, key, value)
        db.session.commit()


def logged_in(app, email="owner@example.org", confirmed=True):
    add_user(app, email, confirmed=confirmed)
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    return client


def create_on_page(client, name="laptop", expires="30"):
    return submit(client, "/auth/tokens", {"name": name, "expires": expires})


# The token itself


def test_a_token_is_stored_only_as_its_hash(app):
    add_user(app, "owner@example.org")
    secret = token_for(app, "owner@example.org", "laptop")
    assert SECRET.fullmatch(secret)
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        row = [str(value) for value in db.session.execute(select(ApiToken.__table__)).one()]
        assert not any(secret in value for value in row)
        assert len(token.token_hash) == 64
        assert secret.startswith(token.prefix)
        assert len(token.prefix) < 16
    assert owner_of(app, secret) == "owner@example.org"


def test_last_use_is_recorded_at_most_once_a_minute(app):
    add_user(app, "owner@example.org")
    secret = token_for(app, "owner@example.org", "laptop")
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is None
    owner_of(app, secret)
    with app.app_context():
        first = db.session.scalar(select(ApiToken.last_used_at))
    assert first is not None
    owner_of(app, secret)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) == first
    long_ago = utc_now() - timedelta(minutes=2)
    update_token(app, "laptop", last_used_at=long_ago)
    owner_of(app, secret)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) > long_ago


def test_an_expired_token_is_refused_and_deleted_from_the_list(app):
    add_user(app, "owner@example.org")
    secret = token_for(app, "owner@example.org", "laptop", expires_in_days=7)
    assert owner_of(app, secret) == "owner@example.org"
    update_token(app, "laptop", expires_at=utc_now() - timedelta(seconds=1))
    assert owner_of(app, secret) is None
    with app.app_context():
        assert live_tokens(User.by_email("owner@example.org")) == []
    assert tokens_of(app, "owner@example.org") == []
    # Its name is free again.
    assert owner_of(app, token_for(app, "owner@example.org", "laptop")) == "owner@example.org"


def test_an_unconfirmed_owner_gets_nothing(app):
    add_user(app, "new@example.org", confirmed=False)
    assert owner_of(app, token_for(app, "new@example.org", "laptop")) is None


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "pat_",
        "Bearer pat_x",
        "pat_" + "A" * 42,
        "pat_" + "A" * 44,
        "pat_" + "é" * 43,
        "pat_" + "\x00" * 43,
        "pat_" + "\ud800" * 43,
        "pat_" + "A" * 10_000_000,
        "x" * 1_000_000,
        "pat_" + "A" * 43,  # well-formed, unknown
        None,
        b"pat_" + b"A" * 43,
    ],
    ids=lambda value: repr(value)[:20],
)
def test_hostile_secrets_are_refused_without_errors(app, hostile):
    add_user(app, "owner@example.org")
    secret = token_for(app, "owner@example.org", "laptop")
    assert owner_of(app, hostile) is None
    assert owner_of(app, secret + "\n") is None
    assert owner_of(app, secret.upper()) is None


def test_names_are_checked(app):
    add_user(app, "owner@example.org")
    token_for(app, "owner@example.org", "laptop")
    with app.app_context():
        user = User.by_email("owner@example.org")
        for name, message in [
            ("laptop", "already have a token named"),
            (" LAPTOP ", "already have a token named"),
            ("   ", "Give the token a name"),
            ("x" * 101, "at most 100 characters"),
            ("nul\x00", "NUL"),
        ]:
            with pytest.raises(ValueError, match=message):
                issue_token(user, name, None)
        with pytest.raises(ValueError, match="at least one day"):
            issue_token(user, "other", 0)
    # Another user may use the same name.
    add_user(app, "other@example.org")
    assert owner_of(app, token_for(app, "other@example.org", "laptop")) == "other@example.org"


def test_revoking_by_name_and_id_is_limited_to_the_owner(app):
    add_user(app, "owner@example.org")
    add_user(app, "other@example.org")
    first = token_for(app, "owner@example.org", "first")
    second = token_for(app, "owner@example.org", "second")
    ((first_id, _),) = [t for t in tokens_of(app, "owner@example.org") if t[1] == "first"]
    with app.app_context():
        other = User.by_email("other@example.org")
        assert not revoke_token(other, "first")
        assert not revoke_token_by_id(other, first_id)
        owner = User.by_email("owner@example.org")
        assert not revoke_token(owner, "nul\x00")
        assert not revoke_token_by_id(owner, 2**63)
        assert revoke_token_by_id(owner, first_id)
        assert not revoke_token_by_id(owner, first_id)
        assert revoke_token(owner, "second")
    assert owner_of(app, first) is None
    assert owner_of(app, second) is None


# A new password revokes every token


def test_changing_the_password_revokes_the_tokens(app):
    client = logged_in(app)
    secret = token_for(app, "owner@example.org", "laptop")
    assert owner_of(app, secret) == "owner@example.org"
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD}
    response = submit(client, "/auth/change-password", {**data, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert owner_of(app, secret) is None
    page = client.get("/auth/tokens").get_data(as_text=True)
    assert "You have no API tokens." in page


def test_resetting_the_password_revokes_the_tokens(app, client):
    user_id = add_user(app, "owner@example.org")
    secret = token_for(app, "owner@example.org", "laptop")
    with app.app_context():
        fingerprint = db.session.get(User, user_id).password_fingerprint
        path = "/auth/reset/" + make_token(
            Purpose.RESET_PASSWORD, {"user": user_id, "password": fingerprint}
        )
    data = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
    assert submit(client, path, data).status_code == 302
    assert owner_of(app, secret) is None


# The pages


def test_the_account_page_links_to_the_tokens(app):
    client = logged_in(app)
    assert 'href="/auth/tokens"' in client.get("/auth/account").get_data(as_text=True)


def test_a_new_token_is_shown_once(app):
    client = logged_in(app)
    response = create_on_page(client)
    assert response.status_code == 201
    page = response.get_data(as_text=True)
    (secret,) = set(SECRET.findall(page))
    assert f'<code class="new-token text-break">{secret}</code>' in page
    assert "Copy it now: it will not be shown again" in page
    assert f"Authorization: Bearer {secret}" in page
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "Set-Cookie" not in response.headers or secret not in response.headers["Set-Cookie"]
    assert owner_of(app, secret) == "owner@example.org"
    listing = client.get("/auth/tokens").get_data(as_text=True)
    assert secret not in listing
    assert secret[:12] + "…" in listing
    assert "laptop" in listing


def test_the_list_shows_names_dates_and_never(app):
    client = logged_in(app)
    token_for(app, "owner@example.org", "forever")
    token_for(app, "owner@example.org", "weekly", expires_in_days=7)
    page = client.get("/auth/tokens").get_data(as_text=True)
    assert page.index("weekly") < page.index("forever")  # newest first
    rows = re.findall(r'<tr id="token-\d+">(.*?)</tr>', page, re.S)
    assert len(rows) == 2
    assert rows[1].count("never") == 2  # expires, last used
    assert rows[0].count("never") == 1  # last used
    assert 'for="name"' in page
    assert 'for="expires"' in page


def test_the_pages_need_a_login(app, client):
    assert client.get("/auth/tokens").headers["Location"].startswith("/auth/login")
    assert client.post("/auth/tokens", data={"name": "x"}).status_code in (400, 302)


def test_unconfirmed_users_are_sent_to_confirm(app):
    client = logged_in(app, "new@example.org", confirmed=False)
    assert client.get("/auth/tokens").headers["Location"] == "/auth/unconfirmed"


def test_forms_without_a_csrf_token_are_refused(app):
    client = logged_in(app)
    token_for(app, "owner@example.org", "laptop")
    ((token_id, _),) = tokens_of(app, "owner@example.org")
    assert client.post("/auth/tokens", data={"name": "x", "expires": ""}).status_code == 400
    assert client.post(f"/auth/tokens/{token_id}/revoke").status_code == 400
    assert tokens_of(app, "owner@example.org") == [(token_id, "laptop")]


def test_a_duplicate_name_is_refused_with_a_message(app):
    client = logged_in(app)
    assert create_on_page(client).status_code == 201
    response = create_on_page(client, name="laptop")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "You already have a token named “laptop”" in page
    assert not SECRET.search(page)
    assert create_on_page(client, name="").status_code == 400
    assert create_on_page(client, name="x", expires="12").status_code == 400
    assert len(tokens_of(app, "owner@example.org")) == 1


def test_revoking_on_the_page(app):
    client = logged_in(app)
    secret = token_for(app, "owner@example.org", "laptop")
    ((token_id, _),) = tokens_of(app, "owner@example.org")
    token = csrf_token(client, "/auth/tokens")
    response = client.post(f"/auth/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/tokens"
    assert flashes(client.get("/auth/tokens")) == [
        "The token “laptop” is revoked: it no longer works."
    ]
    assert owner_of(app, secret) is None
    again = client.post(f"/auth/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert again.status_code == 404


def test_nobody_else_can_revoke_a_token(app):
    add_user(app, "owner@example.org")
    secret = token_for(app, "owner@example.org", "owners-own")
    ((token_id, _),) = tokens_of(app, "owner@example.org")
    intruder = logged_in(app, "intruder@example.org")
    token = csrf_token(intruder, "/auth/tokens")
    for path in [f"/auth/tokens/{token_id}/revoke", f"/auth/tokens/{2**40}/revoke"]:
        assert intruder.post(path, data={"csrf_token": token}).status_code == 404
    assert "owners-own" not in intruder.get("/auth/tokens").get_data(as_text=True)
    assert owner_of(app, secret) == "owner@example.org"


# flask users token


def test_cli_creates_lists_and_revokes(app, runner):
    add_user(app, "owner@example.org")
    created = runner.invoke(
        args=["users", "token", "create", "--email", "Owner@Example.org", "--name", "ci"]
    )
    assert created.exit_code == 0, created.output
    secret = created.output.splitlines()[-1]
    assert SECRET.fullmatch(secret)
    assert owner_of(app, secret) == "owner@example.org"
    weekly = runner.invoke(
        args=[
            "users",
            "token",
            "create",
            "--email",
            "owner@example.org",
            "--name",
            "weekly",
            "--expires-days",
            "7",
        ]
    )
    assert SECRET.fullmatch(weekly.output.splitlines()[-1])
    listed = runner.invoke(args=["users", "token", "list", "--email", "owner@example.org"])
    lines = listed.output.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["weekly", "ci"]
    assert secret[:12] + "…" in lines[1]
    assert "expires never\tlast used 20" in lines[1]
    assert "\tlast used never" in lines[0]
    assert "expires never" not in lines[0]
    revoked = runner.invoke(
        args=["users", "token", "revoke", "--email", "owner@example.org", "--name", "ci"]
    )
    assert revoked.exit_code == 0, revoked.output
    assert owner_of(app, secret) is None
    assert len(tokens_of(app, "owner@example.org")) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "--email", "nobody@example.org", "--name", "x"], "No account has"),
        (["list", "--email", "nobody@example.org"], "No account has"),
        (["revoke", "--email", "nobody@example.org", "--name", "x"], "No account has"),
        (["revoke", "--email", "owner@example.org", "--name", "missing"], "has no token named"),
        (["create", "--email", "owner@example.org", "--name", "taken"], "already have a token"),
        (["create", "--email", "owner@example.org", "--name", " "], "Give the token a name"),
    ],
)
def test_cli_errors_are_one_line(app, runner, args, message):
    add_user(app, "owner@example.org")
    token_for(app, "owner@example.org", "taken")
    result = runner.invoke(args=["users", "token", *args])
    assert result.exit_code != 0
    (line,) = result.output.splitlines()
    assert line.startswith("Error: ")
    assert message in line
    assert not SECRET.search(result.output)


def test_cli_list_without_tokens(app, runner):
    add_user(app, "owner@example.org")
    result = runner.invoke(args=["users", "token", "list", "--email", "owner@example.org"])
    assert result.output.splitlines() == ["owner@example.org has no API tokens."]
