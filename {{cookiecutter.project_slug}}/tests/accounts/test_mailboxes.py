"""One account per mailbox: every spelling of an address that reaches the same mailbox
names the same account, and mail goes only to the address the account stores."""

import pytest
from sqlalchemy import func, select

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import User
from {{ cookiecutter.package_name }}.models.user import normalise_email

from ..account_helpers import (
    PASSWORD,
    add_user,
    get_user,
    log_in,
    register,
    submit,
    wait_for_mail_jobs,
)

pytestmark = pytest.mark.integration

# Spellings of root@example.org: case, full-width letters (NFKC), spaces around it.
SAME_MAILBOX = [
    "ROOT@EXAMPLE.ORG",
    "root@ｅｘａｍｐｌｅ.org",
    "Root@ＥＸＡＭＰＬＥ.ＯＲＧ",
    "  root@example.org ",
]


def recipients(smtp_server):
    wait_for_mail_jobs()
    return [recipient for envelope in smtp_server.messages for recipient in envelope.rcpt_tos]


def accounts(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("spelling", SAME_MAILBOX)
def test_another_spelling_registers_no_second_account(app, client, smtp_server, spelling):
    add_user(app, "root@example.org")
    response = register(client, spelling)
    assert response.status_code == 302
    assert accounts(app) == 1
    assert recipients(smtp_server) == ["root@example.org"]  # its owner is told, nobody else
    assert log_in(app.test_client(), spelling).status_code == 302  # and it logs in


@pytest.mark.parametrize("spelling", SAME_MAILBOX)
def test_another_spelling_is_no_new_address_for_a_change(app, client, smtp_server, spelling):
    add_user(app, "root@example.org")
    add_user(app, "someone@example.org")
    log_in(client, "someone@example.org")
    data = {"email": spelling, "current_password": PASSWORD}
    assert submit(client, "/auth/change-email", data).status_code == 302
    assert recipients(smtp_server) == ["root@example.org"]
    # The owner of that mailbox hears that it has an account; it gets no link to move
    # another account onto a second spelling of it.
    (envelope,) = smtp_server.messages
    assert b"already has one" in envelope.content
    assert b"/auth/change-email/" not in envelope.content
    assert get_user(app, "someone@example.org") is not None


def test_an_internationalised_domain_is_stored_and_mailed_in_its_ascii_form(
    app, client, smtp_server
):
    assert register(client, "new@EXÄMPLE.org").status_code == 302
    user = get_user(app, "new@exämple.org")
    assert user.email == "new@xn--exmple-cua.org"
    assert recipients(smtp_server) == ["new@xn--exmple-cua.org"]


@pytest.mark.parametrize("email", ["jürgen@example.org", "ｒｏｏｔ@example.org", "用户@例子.中国"])
def test_an_address_the_app_cannot_mail_is_refused_with_the_reason(app, client, smtp_server, email):
    response = register(client, email)
    assert response.status_code == 400  # the form again, saying why
    assert "before the @" in response.get_data(as_text=True)
    assert accounts(app) == 0
    assert recipients(smtp_server) == []


def test_addresses_compare_as_the_app_spells_them_not_as_the_database_collates(
    app, client, smtp_server
):
    """MySQL's default collations make "exämple" equal "example" (and ignore case and
    trailing spaces): the column compares bytes, so an account stored under another
    spelling (an address from before normalisation, say) is a different account."""
    add_user(app, "root@exämple.org")  # stored as it was given, not normalised
    with app.app_context():
        assert User.by_email("root@example.org") is None
    assert register(client, "root@example.org").status_code == 302
    assert accounts(app) == 2
    assert recipients(smtp_server) == ["root@example.org"]  # a confirmation, to its owner
    assert get_user(app, "root@example.org").confirmed is False


@pytest.mark.parametrize(
    ("spelling", "normal"),
    [
        ("Mixed.Case@Example.ORG", "mixed.case@example.org"),
        ("root@ｅｘａｍｐｌｅ.org", "root@example.org"),
        ("a@bücher.example", "a@xn--bcher-kva.example"),
        (" a@b.example\t", "a@b.example"),
    ],
)
def test_normal_form(spelling, normal):
    assert normalise_email(spelling) == normal
    assert normalise_email(normal) == normal
