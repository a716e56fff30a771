"""Reset and resend cost the same for an address with an account and one without.

The answer is the same text either way (see test_passwords and test_registration); here
the work is: the request runs the same queries and renders the same templates, and the
mail (rendering, token, SMTP) happens on a background job. The timing check compares
the two distributions of response times, interleaved, with a rank test: only a
difference that is both significant and large fails, so a loaded machine does not.
"""

import math
import statistics
import threading
import time

import pytest
from flask import template_rendered
from sqlalchemy import event

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.mail import MAIL_THREAD_PREFIX

from ..account_helpers import add_user, csrf_token, received

KNOWN = "known@example.org"
UNKNOWN = "unknown@example.org"
FORMS = ["/auth/reset", "/auth/resend"]
SAMPLES = 40
# Fail only when the rank test is this sure AND the medians differ by more than this.
SIGNIFICANCE = 0.001
LARGEST_MEDIAN_RATIO = 1.15


def wait_for_mail_jobs():
    for thread in threading.enumerate():
        if thread.name.startswith(MAIL_THREAD_PREFIX):
            thread.join(timeout=15)


@pytest.fixture
def timing_app(app):
    add_user(app, KNOWN, confirmed=False)  # resend sends only to unconfirmed accounts
    app.config["AUTH_RATE_LIMIT"] = "100000 per minute"  # this test asks many times
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
def test_the_request_does_the_same_work_for_every_address(timing_app, smtp_server, path):
    client = timing_app.test_client()
    token = csrf_token(client, path)
    known = request_work(timing_app, client, path, KNOWN, token)
    unknown = request_work(timing_app, client, path, UNKNOWN, token)
    assert known == unknown
    received(smtp_server, KNOWN)  # the job did send the mail
    assert all(UNKNOWN not in envelope.rcpt_tos for envelope in smtp_server.messages)


def rank_test_p_value(first, second):
    """Two-sided Mann-Whitney U test (normal approximation, average ranks for ties)."""
    groups = enumerate((first, second))
    pooled = sorted((value, group) for group, values in groups for value in values)
    ranks = [0.0] * len(pooled)
    start = 0
    while start < len(pooled):
        end = start
        while end + 1 < len(pooled) and pooled[end + 1][0] == pooled[start][0]:
            end += 1
        for index in range(start, end + 1):
            ranks[index] = (start + end) / 2 + 1
        start = end + 1
    n1, n2 = len(first), len(second)
    rank_sum = sum(rank for rank, (_, group) in zip(ranks, pooled, strict=True) if group == 0)
    u = rank_sum - n1 * (n1 + 1) / 2
    mean, spread = n1 * n2 / 2, math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12)
    z = abs(u - mean) / spread
    return math.erfc(z / math.sqrt(2))


def test_rank_test_tells_apart_what_differs_and_not_what_does_not():
    slow = [10.0 + index % 7 for index in range(SAMPLES)]
    fast = [8.0 + index % 7 for index in range(SAMPLES)]
    assert rank_test_p_value(slow, fast) < SIGNIFICANCE
    assert rank_test_p_value(slow, list(reversed(slow))) > 0.5


@pytest.mark.parametrize("path", FORMS)
def test_response_times_do_not_tell_whether_an_address_has_an_account(timing_app, path):
    client = timing_app.test_client()
    token = csrf_token(client, path)
    # The SMTP test server shares this process: its work after a delivery would slow
    # down whichever request came next. Logged mails leave nothing running.
    timing_app.config["MAIL_SERVER"] = ""
    durations = {KNOWN: [], UNKNOWN: []}
    for sample in range(SAMPLES):
        # Interleaved, in alternating order: load on the machine hits both alike.
        for email in (KNOWN, UNKNOWN) if sample % 2 else (UNKNOWN, KNOWN):
            started = time.perf_counter()
            response = client.post(path, data={"email": email, "csrf_token": token})
            durations[email].append(time.perf_counter() - started)
            assert response.status_code == 302
            wait_for_mail_jobs()  # the job's work must not slow down the next request
    known, unknown = durations[KNOWN], durations[UNKNOWN]
    ratio = statistics.median(known) / statistics.median(unknown)
    p_value = rank_test_p_value(known, unknown)
    assert not (p_value < SIGNIFICANCE and max(ratio, 1 / ratio) > LARGEST_MEDIAN_RATIO), (
        f"known/unknown median {ratio:.2f}, p={p_value:.2g}"
    )
