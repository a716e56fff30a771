"""Password checks per address are throttled (auth/throttling.py), wherever the guesses
come from: a few free failures, then a growing wait; the owner gets in after it, and an
address without an account is answered exactly like one with an account."""

import pytest

from {{ cookiecutter.package_name }}.auth.known_devices import COOKIE_NAME
from {{ cookiecutter.package_name }}.auth.throttling import password_throttle, throttle_key
from tests.clocks import FakeClock

from ..account_helpers import PASSWORD, add_user, csrf_token, flashes, log_in, logged_in, submit

pytestmark = pytest.mark.integration

OWNER = "owner@example.org"
WRONG = "not-the-password-at-all"
NEW_PASSWORD = "another-long-passphrase-77"
FREE = 5  # PASSWORD_FREE_ATTEMPTS
# The waits after failure 5, 6, 7...: PASSWORD_BACKOFF_SECONDS doubled, at most the maximum.
WAITS = [15, 30, 60, 120, 240, 300, 300]
# How the 429 page says each.
WAIT_TEXTS = {15: "15 seconds", 30: "30 seconds", 60: "1 minute", 120: "2 minutes"}
WAIT_TEXTS.update({240: "4 minutes", 300: "5 minutes"})


@pytest.fixture
def clock(app):
    clock = FakeClock(1_000_000.0)
    with app.app_context():
        password_throttle().clock = clock
    return clock


class Guesser:
    """Each attempt from a client address of its own: the per-client limits never apply."""

    def __init__(self, app):
        self.app = app
        self.number = 0

    def client(self):
        self.number += 1
        client = self.app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"203.0.113.{self.number % 250}"
        return client

    def log_in(self, email, password=WRONG):
        return log_in(self.client(), email, password)


def seen(response):
    """What a visitor learns from an answer: its status and what it says."""
    return response.status_code, flashes(response) or throttle_message(response)


def throttle_message(response):
    """The 429 page's reason: "Too many wrong passwords ... Wait <time>, then try again." """
    page = response.get_data(as_text=True)
    start = page.find("Too many wrong passwords")
    assert start >= 0, page
    return page[start : page.find("try again.", start)]


def test_guesses_from_many_clients_are_slowed_then_the_owner_gets_in(app, clock):
    add_user(app, OWNER)
    guesser = Guesser(app)
    for _ in range(FREE):
        assert guesser.log_in(OWNER).status_code == 200  # judged: wrong password
    refused = guesser.log_in(OWNER, PASSWORD)  # even the right password must wait
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert throttle_message(refused) == (
        "Too many wrong passwords for this address. Wait 15 seconds, then "
    )
    clock.advance(WAITS[0] - 1)
    assert guesser.log_in(OWNER, PASSWORD).status_code == 429
    clock.advance(1)
    assert guesser.log_in(OWNER, PASSWORD).status_code == 302  # the owner is in
    # ...and the count starts again.
    for _ in range(FREE):
        assert guesser.log_in(OWNER).status_code == 200


def test_the_wait_grows_with_each_failure_up_to_its_maximum(app, clock):
    add_user(app, OWNER)
    guesser = Guesser(app)
    for _ in range(FREE):
        guesser.log_in(OWNER)
    for wait in WAITS:
        refused = guesser.log_in(OWNER)
        assert refused.status_code == 429
        assert f"Wait {WAIT_TEXTS[wait]}," in throttle_message(refused)
        clock.advance(wait)
        assert guesser.log_in(OWNER).status_code == 200  # checked, and wrong
    clock.advance(WAITS[-1])
    assert guesser.log_in(OWNER, PASSWORD).status_code == 302


def test_an_unknown_address_is_answered_exactly_like_an_account(app, clock):
    add_user(app, OWNER)
    guesser = Guesser(app)
    steps = [("guess", None)] * (FREE + 1) + [("wait", WAITS[0]), ("guess", None)] * 3
    answers = {}
    for email in (OWNER, "nobody@example.org"):
        answers[email] = []
        for step, seconds in steps:
            if step == "wait":
                clock.advance(seconds)
            else:
                answers[email].append(seen(guesser.log_in(email)))
        clock.advance(24 * 3600)  # both start from nothing
    assert answers[OWNER] == answers["nobody@example.org"]
    assert [status for status, _ in answers[OWNER]].count(429) >= 2


def test_spellings_of_one_address_share_its_count(app, clock):
    add_user(app, OWNER)
    guesser = Guesser(app)
    for number in range(FREE):
        guesser.log_in(OWNER.upper() if number % 2 else f"  {OWNER}")
    assert guesser.log_in(OWNER, PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/auth/change-password", {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}),
        ("/auth/change-email", {"email": "elsewhere@example.org"}),
    ],
)
def test_a_stolen_session_cannot_guess_the_current_password(app, clock, path, data):
    add_user(app, OWNER)
    guesser = Guesser(app)
    session = logged_in(app, guesser.client(), OWNER)
    for _ in range(FREE):
        response = submit(session, path, {**data, "current_password": WRONG})
        assert response.status_code == 400
        assert "not your current password" in response.get_data(as_text=True)
        session.environ_base["REMOTE_ADDR"] = guesser.client().environ_base["REMOTE_ADDR"]
    refused = submit(session, path, {**data, "current_password": PASSWORD})
    assert refused.status_code == 429
    # The same count as the login's: the owner's address must wait there too.
    assert guesser.log_in(OWNER, PASSWORD).status_code == 429
    clock.advance(WAITS[0])
    assert submit(session, path, {**data, "current_password": PASSWORD}).status_code == 302


def test_parallel_guesses_are_checked_one_at_a_time(app, clock):
    with app.test_request_context():
        throttle, key = password_throttle(), throttle_key(OWNER)
        assert throttle.begin(key) == 0  # a check under way...
        assert throttle.begin(key) > 0  # ...holds the address
        throttle.failed(key)
        assert throttle.begin(key) == 0  # a free failure: the next may go at once
        clock.advance(60)  # a check that never finished frees the address in time
        assert throttle.begin(key) == 0


def test_failures_are_remembered_for_a_day(app, clock):
    add_user(app, OWNER)
    guesser = Guesser(app)
    for _ in range(FREE):
        guesser.log_in(OWNER)
    clock.advance(23 * 3600)
    assert guesser.log_in(OWNER).status_code == 200  # the sixth failure in a row...
    assert guesser.log_in(OWNER, PASSWORD).status_code == 429  # ...has its wait
    clock.advance(24 * 3600 + 1)
    for _ in range(FREE - 1):  # a day after the last failure the count starts again
        assert guesser.log_in(OWNER).status_code == 200
    assert guesser.log_in(OWNER, PASSWORD).status_code == 302


def test_a_strangers_guesses_never_hold_the_owner_up_in_a_known_browser(app, clock):
    add_user(app, OWNER)
    owners_browser = app.test_client()
    assert log_in(owners_browser, OWNER).status_code == 302
    cookie = owners_browser.get_cookie(COOKIE_NAME, path="/auth")
    assert cookie is not None
    assert cookie.http_only
    owners_browser.post("/auth/logout", data={"csrf_token": csrf_token(owners_browser, "/")})
    guesser = Guesser(app)
    for _ in range(FREE + 3):
        guesser.log_in(OWNER)
    assert guesser.log_in(OWNER, PASSWORD).status_code == 429  # any other browser waits
    assert log_in(owners_browser, OWNER).status_code == 302  # the owner's does not
    # The browser's own count is throttled like any other.
    owners_browser.post("/auth/logout", data={"csrf_token": csrf_token(owners_browser, "/")})
    owners_browser.environ_base["REMOTE_ADDR"] = "192.0.2.50"  # beyond AUTH_RATE_LIMIT's count
    for _ in range(FREE):
        assert log_in(owners_browser, OWNER, WRONG).status_code == 200
    assert log_in(owners_browser, OWNER).status_code == 429


def test_a_known_browser_of_one_address_is_a_stranger_to_the_others(app, clock):
    add_user(app, OWNER)
    add_user(app, "attacker@example.org")
    attackers_browser = app.test_client()
    assert log_in(attackers_browser, "attacker@example.org").status_code == 302
    guesser = Guesser(app)
    for _ in range(FREE):
        guesser.log_in(OWNER)
    attackers_browser.post("/auth/logout", data={"csrf_token": csrf_token(attackers_browser, "/")})
    assert log_in(attackers_browser, OWNER, WRONG).status_code == 429
