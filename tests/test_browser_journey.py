"""A new user's first visit, in a real browser, against the default bake served by gunicorn.

Register (first with mistakes), receive the confirmation mail, follow its link, log in
with the keyboard alone, add a task, edit it, complete it, reopen it, delete it, look at
the account pages, the admin table and a missing page, make an API token, open the API
documentation, and log out: headless Chromium
(tests/browser.py) on a desktop and on a phone-sized viewport, against gunicorn with 2
workers in production settings, and an in-process SMTP server on loopback that receives
the mail the app sends. Every page is screenshotted and checked by axe-core in both
colour modes (tests/browser.py says where the artifacts go).
"""

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

from .baked import default_row, gunicorn, matrix_params, production_env, run_flask, tail
from .browser import VIEWPORTS, PageChecks, launch_chromium, new_context, require_chromium, tab_to
from .smtp import smtp_server
from .throwaway_servers import free_port

HOST = "127.0.0.1"
MAIL_TIMEOUT = 15.0

# 14+ characters and on no list of common passwords.
USER_PASSWORD = "correct-horse-battery-staple-42"
TASK_TITLE = "Written in Chromium"
TASK_DESCRIPTION = "Typed into the form by a headless browser."
RENAMED_TITLE = "Edited in Chromium"


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


def open_menu(page):
    """On a phone the navigation hides behind the menu button: open it, once the page
    (and with it Bootstrap's script) has loaded, so the click is not lost."""
    page.wait_for_load_state("load")
    menu = page.locator("#main-nav")
    toggler = page.get_by_role("button", name="Menu")
    if toggler.is_visible() and not menu.is_visible():
        toggler.click()
    expect(menu).to_be_visible()


def the_task(page, title):
    return page.locator("ul.tasks > li").filter(has_text=title)


def assert_shown_in_local_time(page, viewport_name):
    """The task's time, written in UTC by the server, reads in the browser's time zone."""
    stamp = page.locator("ul.tasks time").first
    utc = datetime.fromisoformat(stamp.get_attribute("datetime"))
    local = utc + timedelta(minutes=VIEWPORTS[viewport_name]["utc_offset_minutes"])
    expect(stamp).not_to_contain_text("UTC")
    expect(stamp).to_contain_text(f"{local:%H:%M}")
    expect(stamp).to_contain_text(str(local.year))
    expect(stamp).to_have_attribute("title", f"{utc:%Y-%m-%d %H:%M} UTC")


def register(page, checks, base_url, user_email):
    page.goto("/")
    open_menu(page)
    expect(page.get_by_role("navigation").get_by_role("link", name="Tasks", exact=True)).to_be_visible()
    checks.check("home")

    response = page.goto("/auth/register")
    assert response.ok, f"GET /auth/register answered {response.status}"
    checks.check("register")
    # A mistake first: the form says what is wrong, at the field, and keeps the e-mail.
    page.get_by_label("E-mail").fill(user_email)
    page.get_by_label("Password", exact=True).fill(USER_PASSWORD)
    page.get_by_label("Repeat the password").fill(USER_PASSWORD + "!")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_label("Repeat the password")).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(page.locator(".invalid-feedback")).to_contain_text("The passwords differ.")
    expect(page.get_by_label("E-mail")).to_have_value(user_email)
    checks.check("register-with-errors")

    page.get_by_label("Password", exact=True).fill(USER_PASSWORD)
    page.get_by_label("Repeat the password").fill(USER_PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page).to_have_url(at(base_url, "/auth/login"))
    expect(page.get_by_role("status")).to_contain_text(re.compile("confirm", re.IGNORECASE))
    checks.check("registered")


def confirm(page, checks, base_url, link):
    page.goto(link)
    expect(page).to_have_url(at(base_url, "/auth/login"))
    expect(page.get_by_role("status")).to_contain_text(re.compile("confirmed", re.IGNORECASE))
    checks.check("confirmed")


def log_in_with_the_keyboard(page, checks, base_url, user_email):
    page.goto("/auth/login")
    # The first Tab offers to skip the navigation.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()
    tab_to(page, page.get_by_label("E-mail"))
    page.keyboard.type(user_email)
    page.keyboard.press("Tab")
    page.keyboard.type(USER_PASSWORD)
    page.keyboard.press("Enter")
    expect(page).not_to_have_url(at(base_url, "/auth/login"))
    open_menu(page)
    log_out = page.get_by_role("button", name="Log out", exact=True)
    expect(log_out).to_be_visible()
    expect(page.get_by_role("link", name=user_email)).to_be_visible()
    logout_form = page.locator('form[action$="/auth/logout"]')
    expect(logout_form).to_have_attribute("method", re.compile("post", re.IGNORECASE))
    expect(logout_form.locator('input[type="hidden"][name="csrf_token"]')).not_to_have_value("")
    checks.check("logged-in")


def work_on_a_task(page, checks, base_url, viewport_name):
    page.goto("/tasks/")
    expect(page.get_by_text("No tasks yet.")).to_be_visible()
    checks.check("tasks-empty")

    # Add.
    page.get_by_label("Title").fill(TASK_TITLE)
    page.get_by_label("Description").fill(TASK_DESCRIPTION)
    page.get_by_role("button", name="Add task").click()
    expect(page).to_have_url(at(base_url, "/tasks/"))
    expect(the_task(page, TASK_TITLE)).to_have_count(1)
    expect(page.locator(".counts")).to_contain_text("1 open · 0 done")
    assert_shown_in_local_time(page, viewport_name)
    checks.check("task-added")

    # Edit.
    the_task(page, TASK_TITLE).get_by_role("link", name=re.compile("^Edit")).click()
    expect(page.get_by_role("heading", name="Edit task")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(TASK_TITLE)
    checks.check("task-edit")
    page.get_by_label("Title").fill(RENAMED_TITLE)
    page.get_by_role("button", name="Save task").click()
    expect(page).to_have_url(at(base_url, "/tasks/"))
    expect(the_task(page, RENAMED_TITLE)).to_have_count(1)
    expect(the_task(page, TASK_TITLE)).to_have_count(0)

    # Complete, with the keyboard alone: the button is reachable and Enter presses it.
    done = the_task(page, RENAMED_TITLE).get_by_role("button", name=re.compile("^Mark done"))
    tab_to(page, done)
    page.keyboard.press("Enter")
    expect(the_task(page, RENAMED_TITLE)).to_have_class(re.compile(r"\bdone\b"))
    expect(page.locator(".counts")).to_contain_text("0 open · 1 done")
    checks.check("task-done")
    page.get_by_role("navigation", name="Show tasks").get_by_role("link", name="Done").click()
    expect(the_task(page, RENAMED_TITLE)).to_have_count(1)
    checks.check("tasks-done-filter")

    # Reopen, back on the filtered list it was reopened from.
    the_task(page, RENAMED_TITLE).get_by_role("button", name=re.compile("^Reopen")).click()
    expect(page).to_have_url(at(base_url, "/tasks/"))
    expect(page.get_by_text("No done tasks.")).to_be_visible()
    page.get_by_role("navigation", name="Show tasks").get_by_role("link", name="Open").click()
    expect(the_task(page, RENAMED_TITLE)).to_have_class(re.compile(r"\bopen\b"))

    # Delete, after the confirmation page.
    the_task(page, RENAMED_TITLE).get_by_role("link", name=re.compile("^Delete")).click()
    expect(page.get_by_role("heading", name="Delete task")).to_be_visible()
    checks.check("task-delete")
    page.get_by_role("button", name="Delete task").click()
    expect(page).to_have_url(at(base_url, "/tasks/"))
    expect(page.get_by_role("status")).to_contain_text(f"Deleted “{RENAMED_TITLE}”.")
    expect(the_task(page, RENAMED_TITLE)).to_have_count(0)
    expect(page.locator(".counts")).to_contain_text("0 open · 0 done")


def visit_the_other_pages(page, checks):
    for path, name, heading in [
        ("/auth/account", "account", "Your account"),
        ("/auth/change-password", "change-password", None),
        ("/auth/change-email", "change-email", None),
        ("/admin/users", "admin-users", "Users"),
        ("/no-such-page", "not-found", None),
    ]:
        response = page.goto(path)
        assert response.status == (404 if name == "not-found" else 200), f"GET {path}: {response.status}"
        if heading:
            expect(page.get_by_role("heading", name=heading)).to_be_visible()
        checks.check(name)
    page.goto("/auth/account")
    expect(page.locator("time")).not_to_contain_text("UTC")  # member since, in local time


def make_an_api_token(page, checks):
    page.goto("/auth/account")
    page.get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    checks.check("api-tokens")
    page.get_by_label("Name").fill("journey script")
    page.get_by_role("button", name="Create token").click()
    # Shown once, on this page only.
    expect(page.locator("code").filter(has_text=re.compile(r"^pat_[A-Za-z0-9_-]{43}$"))).to_have_count(1)
    checks.check("api-token-created")
    page.goto("/auth/tokens")
    expect(page.get_by_role("cell", name="journey script", exact=True)).to_be_visible()
    checks.check("api-tokens-listed")


def the_api_documentation_renders(page):
    """Swagger UI, served by the app, runs under its CSP and lists every operation (not
    checked by axe: it is Swagger UI's own markup, see the README)."""
    page.goto("/api/docs/")
    expect(page.locator(".opblock")).to_have_count(7)
    page.goto("/")


def log_out(page, checks, base_url):
    open_menu(page)
    page.get_by_role("button", name="Log out", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    open_menu(page)
    expect(page.get_by_role("link", name="Log in", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    checks.check("logged-out")
    page.goto("/tasks/")
    expect(page.get_by_role("button", name="Add task")).to_have_count(0)
    page.goto("/auth/reset")
    checks.check("forgot-password")


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


@pytest.mark.parametrize("viewport_name", list(VIEWPORTS))
@pytest.mark.parametrize("row", matrix_params([default_row()]))
def test_a_new_user_journey_in_chromium(bakes, row, viewport_name, tmp_path):
    require_chromium()  # before baking and serving
    bake = bakes(row)
    project = bake.project_path
    user_email = f"journey-{viewport_name}@example.org"
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
        # Served as the README says, with the bake's own worker count (gunicorn.conf.py).
        with (
            gunicorn(project, env, port, gunicorn_log, workers=None) as base_url,
            sync_playwright() as playwright,
        ):
            browser = launch_chromium(playwright)
            page = new_context(browser, viewport_name, base_url).new_page()
            checks = PageChecks(page, viewport_name)
            try:
                register(page, checks, base_url, user_email)
                link = confirmation_link(mailbox.wait_for(user_email, MAIL_TIMEOUT), base_url)
                confirm(page, checks, base_url, link)
                # The operator makes this first user an administrator (README: `flask users`).
                admin_env = {**env, "ADMIN_PASSWORD": USER_PASSWORD}
                run_flask(project, admin_env, "users", "create-admin", "--email", user_email)
                log_in_with_the_keyboard(page, checks, base_url, user_email)
                work_on_a_task(page, checks, base_url, viewport_name)
                visit_the_other_pages(page, checks)
                make_an_api_token(page, checks)
                the_api_documentation_renders(page)
                log_out(page, checks, base_url)
            except (AssertionError, PlaywrightError) as error:
                raise AssertionError(
                    diagnostics(error, page, tmp_path, gunicorn_log, logs, mailbox)
                ) from error
            finally:
                print(f"{viewport_name}: axe-core {checks.summary()}, report {checks.save_report()}")
                browser.close()
