"""Reset and resend cost the same for an address with an account and one without.

The answer is the same text either way (see test_passwords and test_registration); here
the work is: the request runs the same queries and renders the same templates, and the
mail (rendering, token, SMTP) happens on a background job. That is what makes the
response times equal, and it is checked by counting, not by timing requests (which a
loaded machine would make flaky).
"""

import threading

import pytest
from flask import template_rendered
from sqlalchemy import event

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.mail import MAIL_THREAD_PREFIX

from ..account_helpers import add_user, csrf_token, received, wait_for_mail_jobs

KNOWN = "known@example.org"
UNKNOWN = "unknown@example.org"
FORMS = ["/auth/reset", "/auth/resend"]


@pytest.fixture
def app_with_known_address(app):
    add_user(app, KNOWN, confirmed=False)  # resend sends only to unconfirmed accounts
    return app


def request_work(app, client, path, email, token):
    """The statements and templates of the request itself (not of its mail job)."""
    statements, templates = [], []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if not threading.current_thread().name.startswith(MAIL_THREAD_PREFIX):
            statements.append(statement)

    def on_template(sender, template, context, **extra):
        if not threading.current_thread().name.startswith(MAIL_THREAD_PREFIX):
            templates.append(template.name)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", on_statement)
    template_rendered.connect(on_template, app)
    try:
        response = client.post(path, data={"email": email, "csrf_token": token})
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
        template_rendered.disconnect(on_template, app)
    wait_for_mail_jobs()
    assert response.status_code == 302
    return statements, templates


@pytest.mark.parametrize("path", FORMS)
def test_the_request_does_the_same_work_for_every_address(
    app_with_known_address, smtp_server, path
):
    client = app_with_known_address.test_client()
    token = csrf_token(client, path)
    known = request_work(app_with_known_address, client, path, KNOWN, token)
    unknown = request_work(app_with_known_address, client, path, UNKNOWN, token)
    assert known == unknown
    received(smtp_server, KNOWN)  # the job did send the mail
    assert all(UNKNOWN not in envelope.rcpt_tos for envelope in smtp_server.messages)
