"""The e-mails one address receives are bounded (MAIL_PER_ADDRESS_PER_HOUR), whoever
asks for them, from however many client addresses, and by whichever form; the visitor's
answer is the same whether or not the limit held the mail back."""

import logging

import pytest

from {{ cookiecutter.package_name }}.mail_limits import mail_limit
from tests.clocks import FakeClock
from tests.servers import free_port

from ..account_helpers import (
    PASSWORD,
    add_user,
    flashes,
    logged_in,
    register,
    submit,
    wait_for_mail_jobs,
)

pytestmark = pytest.mark.integration

VICTIM = "victim@example.org"
PER_HOUR = 3


@pytest.fixture
def limited_app(app):
    app.config["MAIL_PER_ADDRESS_PER_HOUR"] = PER_HOUR
    return app


def client_from(app, number):
    """A client from an address of its own: the per-client rate limits never apply."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{number}"
    return client


def mails_to(smtp_server, address):
    wait_for_mail_jobs()
    return [envelope for envelope in smtp_server.messages if address in envelope.rcpt_tos]


def ask_for_reset(app, number, email=VICTIM):
    return submit(client_from(app, number), "/auth/reset", {"email": email}, follow=True)


def answer(response):
    """What the visitor sees: the status, the page's messages and its headers, less
    those that differ on every response."""
    headers = {
        name: value
        for name, value in response.headers.items()
        if name not in ("Date", "Set-Cookie", "Content-Length")
    }
    return response.status_code, flashes(response), headers


def test_resets_asked_from_many_clients_send_at_most_the_limit(limited_app, smtp_server):
    add_user(limited_app, VICTIM)
    answers = [answer(ask_for_reset(limited_app, number)) for number in range(3 * PER_HOUR)]
    assert len(mails_to(smtp_server, VICTIM)) == PER_HOUR
    # The answers held back are those that sent: nothing tells them apart.
    assert all(later == answers[0] for later in answers[1:]), answers
    # Another address is not held back by the first one's limit.
    add_user(limited_app, "bystander@example.org")
    ask_for_reset(limited_app, 99, "bystander@example.org")
    assert len(mails_to(smtp_server, "bystander@example.org")) == 1


def test_every_kind_of_mail_counts_towards_one_limit(limited_app, smtp_server):
    """Reset links, new confirmation links, "already registered" notes after a
    registration or an e-mail change to the address: PER_HOUR in all."""
    add_user(limited_app, VICTIM, confirmed=False)  # resend sends only to unconfirmed accounts
    for number in range(2):
        ask_for_reset(limited_app, 10 + number)
        submit(client_from(limited_app, 20 + number), "/auth/resend", {"email": VICTIM})
        register(client_from(limited_app, 30 + number), VICTIM.upper())
        changer = f"changer{number}@example.org"
        add_user(limited_app, changer)
        client = logged_in(limited_app, client_from(limited_app, 40 + number), changer)
        response = submit(
            client, "/auth/change-email", {"email": VICTIM, "current_password": PASSWORD}
        )
        assert response.status_code == 302
    assert len(mails_to(smtp_server, VICTIM)) == PER_HOUR


def test_change_links_to_an_address_without_an_account_are_bounded(limited_app, smtp_server):
    """Accounts asking to move to one new address: its owner gets PER_HOUR links."""
    answers = []
    for number in range(PER_HOUR + 2):
        changer = f"changer{number}@example.org"
        add_user(limited_app, changer)
        client = logged_in(limited_app, client_from(limited_app, number), changer)
        data = {"email": VICTIM, "current_password": PASSWORD}
        response = submit(client, "/auth/change-email", data, follow=True)
        answers.append((response.status_code, flashes(response)))
    assert len(mails_to(smtp_server, VICTIM)) == PER_HOUR
    assert all(later == answers[0] for later in answers[1:]), answers


def test_the_limit_is_per_hour(limited_app, smtp_server):
    add_user(limited_app, VICTIM)
    clock = FakeClock()
    with limited_app.app_context():
        mail_limit().storage.clock = clock
    for number in range(PER_HOUR + 2):
        ask_for_reset(limited_app, number)
    assert len(mails_to(smtp_server, VICTIM)) == PER_HOUR
    clock.advance(3600)
    ask_for_reset(limited_app, 50)
    assert len(mails_to(smtp_server, VICTIM)) == PER_HOUR + 1


def test_holding_back_is_logged_once_per_window(limited_app, smtp_server, app_log_records):
    add_user(limited_app, VICTIM)
    for number in range(PER_HOUR + 5):
        ask_for_reset(limited_app, number)
    wait_for_mail_jobs()
    warnings = [
        record.getMessage()
        for record in app_log_records
        if record.levelno >= logging.WARNING and "held back" in record.getMessage()
    ]
    assert len(warnings) == 1
    assert VICTIM in warnings[0]
    assert "MAIL_PER_ADDRESS_PER_HOUR" in warnings[0]


def test_a_mail_that_failed_is_not_counted(limited_app, smtp_server, monkeypatch):
    add_user(limited_app, VICTIM)
    with monkeypatch.context() as patched:
        # Flask-Mail's settings, read from the config when the app was built.
        patched.setattr(limited_app.extensions["mail"], "port", free_port())  # refused
        for number in range(PER_HOUR + 1):
            ask_for_reset(limited_app, number)
            # One at a time: each failed mail gives its slot back before the next asks.
            wait_for_mail_jobs()
    assert mails_to(smtp_server, VICTIM) == []
    for number in range(PER_HOUR + 1):
        ask_for_reset(limited_app, 20 + number)
    assert len(mails_to(smtp_server, VICTIM)) == PER_HOUR
