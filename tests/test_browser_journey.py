"""A user's first visit, in a real browser, against the default bake served by gunicorn.

Register, receive the confirmation mail, follow its link, log in, add a task, log out:
headless Chromium (the system one, driven by Playwright: no browser download) against
gunicorn with 2 workers in production settings, and an in-process SMTP server on loopback
that receives the mail the app sends.
"""

import contextlib
import email
import email.policy
import os
import re
import time

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from . import services
from .baked import MATRIX, gunicorn, matrix_params, production_env, run_flask, tail
from .throwaway_servers import free_port

HOST = "127.0.0.1"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-extensions",
]
BROWSER_TIMEOUT_MS = 10_000
MAIL_TIMEOUT = 15.0

USER_EMAIL = "journey@example.org"
# 14+ characters and on no list of common passwords.
USER_PASSWORD = "correct-horse-battery-staple-42"
TASK_TITLE = "Written in Chromium"
TASK_DESCRIPTION = "Typed into the form by a headless browser."


def default_row():
    return next(
        row
        for row in MATRIX
        if row["cache_backend"] == "simple" and row["database"] == "sqlite" and not row["use_sentry"]
    )


class Mailbox:
    """aiosmtpd handler that keeps every envelope it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def wait_for(self, recipient, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for envelope in list(self.envelopes):
                if recipient in envelope.rcpt_tos:
                    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            time.sleep(0.1)
        received = [(envelope.mail_from, envelope.rcpt_tos) for envelope in self.envelopes]
        raise AssertionError(f"no mail to {recipient} within {timeout} s (received: {received})")


@contextlib.contextmanager
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname=HOST, port=free_port())
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


def require_chromium():
    services.require_binary(
        CHROMIUM_PATH, "Chromium", "set CHROMIUM_PATH, or run `bash .ci/browser.sh` as root on Debian"
    )


def launch_chromium(playwright):
    # Installed but failing to start is a broken browser, not a missing one: always a failure.
    try:
        return playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        pytest.fail(f"Chromium at {CHROMIUM_PATH} did not start (see `bash .ci/browser.sh`):\n{error}")


def confirmation_link(message, base_url):
    assert message.is_multipart(), message
    types = {part.get_content_type() for part in message.walk()}
    assert {"text/plain", "text/html"} <= types, types
    plain = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    # Links come from the configured BASE_URL, never from the Host header of the request.
    found = re.search(re.escape(base_url) + r"/auth/confirm/\S+", plain)
    assert found, f"no {base_url}/auth/confirm/... link in the text part:\n{plain}"
    link = found.group(0)
    assert link.startswith(f"{base_url}/auth/confirm/")
    assert link in html, f"the html part lacks {link}:\n{html}"
    return link


def at(base_url, path):
    """The URL base_url + path, with or without a query string."""
    return re.compile(re.escape(base_url + path) + r"(\?.*)?$")


def journey(page, base_url, mailbox):
    response = page.goto("/")
    assert response.ok, f"GET / answered {response.status}"
    expect(page.get_by_role("navigation").get_by_role("link", name="Tasks", exact=True)).to_be_visible()

    # Register.
    response = page.goto("/auth/register")
    assert response.ok, f"GET /auth/register answered {response.status}"
    page.locator('input[name="email"]').fill(USER_EMAIL)
    page.locator('input[name="password"]').fill(USER_PASSWORD)
    page.locator('input[name="password_confirm"]').fill(USER_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(at(base_url, "/auth/login"))
    expect(page.locator("body")).to_contain_text(re.compile("confirm", re.IGNORECASE))

    # The confirmation mail, sent from a background thread.
    link = confirmation_link(mailbox.wait_for(USER_EMAIL, MAIL_TIMEOUT), base_url)
    page.goto(link)
    expect(page).to_have_url(at(base_url, "/auth/login"))
    expect(page.locator("body")).to_contain_text(re.compile("confirmed", re.IGNORECASE))

    # Log in.
    page.locator('input[name="email"]').fill(USER_EMAIL)
    page.locator('input[name="password"]').fill(USER_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).not_to_have_url(at(base_url, "/auth/login"))
    log_out = page.get_by_role("button", name="Log out", exact=True)
    expect(log_out).to_be_visible()
    expect(page.get_by_text(USER_EMAIL).first).to_be_visible()
    logout_form = page.locator('form[action$="/auth/logout"]')
    expect(logout_form).to_have_attribute("method", re.compile("post", re.IGNORECASE))
    expect(logout_form.locator('input[type="hidden"][name="csrf_token"]')).to_have_count(1)
    expect(logout_form.locator('input[name="csrf_token"]')).not_to_have_value("")

    # Add a task.
    page.goto("/tasks/")
    page.locator('input[name="title"]').fill(TASK_TITLE)
    page.locator('textarea[name="description"]').fill(TASK_DESCRIPTION)
    page.get_by_role("button", name="Add task").click()
    expect(page).to_have_url(at(base_url, "/tasks/"))
    expect(page.get_by_role("listitem").filter(has_text=TASK_TITLE)).to_have_count(1)

    # Log out.
    log_out.click()
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    page.goto("/tasks/")
    expect(page.get_by_role("button", name="Add task")).to_have_count(0)
    expect(page.locator('input[name="title"]')).to_have_count(0)


def diagnostics(error, page, tmp_path, gunicorn_log, logs, mailbox):
    screenshot = tmp_path / "failure.png"
    try:
        page.screenshot(path=str(screenshot), full_page=True)
        where = f"at {page.url}, screenshot {screenshot}"
    except PlaywrightError as screenshot_error:
        where = f"at {page.url}, no screenshot: {screenshot_error}"
    parts = [
        f"browser journey failed {where}: {type(error).__name__}: {error}",
        f"mails received: {[(e.mail_from, e.rcpt_tos) for e in mailbox.envelopes]}",
        f"--- gunicorn output (tail) ---\n{tail(gunicorn_log)}",
    ]
    parts += [f"--- {log.name} (tail) ---\n{tail(log)}" for log in sorted(logs.glob("*.log"))]
    return "\n".join(parts)


@pytest.mark.parametrize("row", matrix_params([default_row()]))
def test_register_confirm_log_in_add_task_log_out_in_chromium(bakes, row, tmp_path):
    require_chromium()  # before baking and serving
    bake = bakes(row)
    project = bake.project_path
    logs = tmp_path / "logs"
    gunicorn_log = tmp_path / "gunicorn.log"
    port = free_port()
    with smtp_server() as (mailbox, smtp_port):
        env = production_env(
            row,
            tmp_path,
            TRUSTED_HOSTS=HOST,
            BASE_URL=f"http://{HOST}:{port}",
            MAIL_SERVER=HOST,
            MAIL_PORT=str(smtp_port),
            MAIL_DEFAULT_SENDER="noreply@example.org",
            ARGON2_MEMORY_COST="8192",
        )
        run_flask(project, env, "db", "upgrade")
        with gunicorn(project, env, port, gunicorn_log) as base_url, sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(base_url=base_url)
                context.set_default_timeout(BROWSER_TIMEOUT_MS)
                expect.set_options(timeout=BROWSER_TIMEOUT_MS)
                page = context.new_page()
                try:
                    journey(page, base_url, mailbox)
                except (AssertionError, PlaywrightError) as error:
                    raise AssertionError(
                        diagnostics(error, page, tmp_path, gunicorn_log, logs, mailbox)
                    ) from error
            finally:
                browser.close()
