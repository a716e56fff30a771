"""The /tasks/ row's visitor: a confirmed user owning 20 tasks (a full page of the list,
every row with its buttons), logged in through the bake's own login form; wrk then sends
the session cookie that login set."""

import http.cookies
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

EMAIL = "benchmark@example.org"
PASSWORD = "benchmark-passphrase-not-for-production"
TASK_COUNT = 20  # the list's page size (tasks/queries.py)
# Run in the bake's directory, with its production environment: the bake's own models
# and password hashing, after `flask db upgrade` (which inserts the roles).
ADD_USER_WITH_TASKS = """
import sys
from {package} import create_app
from {package}.auth.passwords import hash_password
from {package}.extensions import db
from {package}.models import Role, Task, User
from {package}.models.types import utc_now

email, password, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = create_app()
with app.app_context():
    user = User(
        email=email,
        password_hash=hash_password(password),
        confirmed=True,
        confirmed_at=utc_now(),
        role=Role.named("User"),
    )
    db.session.add(user)
    db.session.flush()
    for number in range(1, count + 1):
        task = Task(title=f"Task {{number}} of the benchmark", description="Open, or done.")
        task.owner_id = user.id
        task.done = number % 3 == 0
        db.session.add(task)
    db.session.commit()
"""
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def add_user_with_tasks(bake):
    code = ADD_USER_WITH_TASKS.format(package=bake.package)
    subprocess.run(
        [sys.executable, "-c", code, EMAIL, PASSWORD, str(TASK_COUNT)],
        cwd=bake.project,
        env=bake.env,
        check=True,
        capture_output=True,
    )


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """The login's 302 carries the session cookie: read it, do not follow it."""

    def redirect_request(self, *args, **kwargs):
        return None


def session_cookie(response, before=None):
    """The session cookie the response sets, else `before` (the one the browser keeps)."""
    # Production cookies are Secure; wrk sends them over plain HTTP on loopback anyway.
    for header in response.headers.get_all("Set-Cookie") or []:
        cookie = http.cookies.SimpleCookie(header)
        if "session" in cookie:
            return cookie["session"].value
    if before is None:
        raise SystemExit(f"no session cookie in the answer to {response.url}")
    return before


def log_in(port):
    """The Cookie header of a browser that logged in through the login form, then opened
    the task list once (its CSRF token is then in the session, as in any browser's
    cookie after the first page with a form)."""
    opener = urllib.request.build_opener(KeepRedirects)
    url = f"http://127.0.0.1:{port}/auth/login"
    with opener.open(url, timeout=30) as page:
        token = CSRF_INPUT.search(page.read().decode()).group(1)
        anonymous = session_cookie(page)
    form = urllib.parse.urlencode({"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    request = urllib.request.Request(url, data=form.encode(), headers={"Cookie": f"session={anonymous}"})
    try:
        opener.open(request, timeout=30)
    except urllib.error.HTTPError as answer:
        if answer.code != 302:
            raise SystemExit(f"the benchmark's login answered {answer.code}, not a redirect") from None
        logged_in = session_cookie(answer)
    else:
        raise SystemExit("the benchmark's login did not redirect: wrong e-mail or password?")
    tasks = urllib.request.Request(
        f"http://127.0.0.1:{port}/tasks/", headers={"Cookie": f"session={logged_in}"}
    )
    with opener.open(tasks, timeout=30) as page:
        if EMAIL not in page.read().decode():
            raise SystemExit("the task list after the benchmark's login is not the user's")
        return {"Cookie": f"session={session_cookie(page, before=logged_in)}"}
