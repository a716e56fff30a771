"""The bake's nginx configuration in front of its gunicorn, as compose.production.yaml runs them.

Debian's nginx runs the bake's nginx/templates/default.conf.template, rendered as the
official image renders it (tests/nginx_proxy.py), in front of the bake served by its own
gunicorn.conf.py (sync workers, 2 of them), on loopback. The tests prove that
1. slow clients do not stop the app: a normal client gets /status/live answered while more
   connections than gunicorn has workers dribble their headers, or the body of a login, to
   nginx, whereas the same attack made on gunicorn directly holds its answer back until the
   attackers let go;
2. the micro-cache keeps anonymous public pages (and answers HEAD from them), never lets
   a query string or a cookie add entries, never answers a logged-in user (logged in
   through the real forms) from it, never keeps what such a user got, and never keeps a
   response that sets a cookie;
3. against an origin that answers with chosen headers, nginx keeps exactly the responses
   a shared cache may keep (public, for their max-age), none that is private, no-store,
   no-cache, sets a cookie or varies by more than the cookies; one request fetches a
   missing page while the others wait for it, and a stale page is served while one
   request fetches it anew.

Every time limit here is a failure timeout, never a measure of speed.
"""

import contextlib
import http.client
import http.server
import secrets
import select
import socket
import threading
import time
from dataclasses import dataclass

import pytest

from . import http_client, services
from .baked import default_row, gunicorn_server, matrix_params, production_env, run_flask
from .http_client import HOST, csrf_token
from .nginx_proxy import cached_files, nginx_binary, requests_in_progress, running_nginx
from .throwaway_servers import free_port

pytestmark = pytest.mark.xdist_group("reverse-proxy")

ROW = default_row()
# The cache keys pages by host: each test asks under a host name of its own (all trusted
# by the app), so that it starts from an empty cache whatever ran before.
ANONYMOUS_HOST = "anonymous.test"
USER_HOST = "user.test"
ADMIN_EMAIL = "proxy-visitor@example.org"
ADMIN_PASSWORD = "behind-the-proxy-4711"
GUNICORN_WORKERS = 2
# More slow connections than gunicorn has workers, and then some.
SLOW_CLIENTS = 24
DRIBBLE_SECONDS = 0.5
# The attack stops by itself after this long, whatever the test does meanwhile.
ATTACK_LIMIT_SECONDS = 60.0
# Failure timeouts: generous, so that a loaded machine does not fail the test.
ANSWER_TIMEOUT = 15.0
# How long the direct attack is watched holding the answer back (it holds it for as long
# as it lasts: a slower machine only makes the hold more certain).
HOLD_SECONDS = 2.0
FLOOD_REQUESTS = 40
CACHE_STATUS = "X-Cache-Status"


def require_nginx():
    return nginx_binary() or services.require_binary("nginx", hint="Debian's nginx: .ci/proxy.sh installs it")


# HTTP, one connection per request


class ProxyAnswer(http_client.Answer):
    @property
    def cache_status(self):
        return self.headers.get(CACHE_STATUS)


def request(port, method, path, host=HOST, timeout=ANSWER_TIMEOUT, **options):
    answer = http_client.request(port, method, path, host=host, timeout=timeout, **options)
    return ProxyAnswer(answer.status, answer.headers, answer.body)


def log_in(port, host):
    """Log in through the proxy with the real form, "Keep me logged in" ticked; the cookies."""
    form_page = request(port, "GET", "/auth/login", host=host)
    assert form_page.status == 200
    cookies = form_page.cookies()
    login = request(
        port,
        "POST",
        "/auth/login",
        cookies=cookies,
        host=host,
        form={
            "csrf_token": csrf_token(form_page.body),
            "email": ADMIN_EMAIL,
            "password": ADMIN_PASSWORD,
            "remember": "y",
        },
    )
    assert login.status == 302, login.body
    cookies.update(login.cookies())
    assert {"session", "remember_token"} <= set(cookies)
    return cookies


# The deployment: gunicorn, and nginx in front of it


@dataclass
class Deployment:
    gunicorn_port: int
    proxy_port: int
    cache_dir: object


@pytest.fixture(scope="module")
def deployment(bakes, tmp_path_factory):
    nginx = require_nginx()
    project = bakes(ROW).project_path
    tmp_path = tmp_path_factory.mktemp("reverse-proxy")
    env = production_env(
        ROW,
        tmp_path,
        TRUSTED_HOSTS=f"{HOST},{ANONYMOUS_HOST},{USER_HOST}",
        # nginx is the one proxy: client addresses come from its X-Forwarded-For.
        PROXY_COUNT="1",
        ARGON2_MEMORY_COST="8192",
        # The slow logins would count against the login form's limit, which is not the
        # matter here (the real login below must get through).
        RATELIMIT_ENABLED="false",
    )
    run_flask(project, env, "db", "upgrade")
    run_flask(
        project, {**env, "ADMIN_PASSWORD": ADMIN_PASSWORD}, "users", "create-admin", "--email", ADMIN_EMAIL
    )
    gunicorn_port = free_port()
    with gunicorn_server(project, env, gunicorn_port, tmp_path / "gunicorn.log", workers=GUNICORN_WORKERS):
        proxy_port = free_port()
        nginx_dir = tmp_path / "nginx"
        nginx_dir.mkdir()
        with running_nginx(nginx, project, nginx_dir, proxy_port, f"{HOST}:{gunicorn_port}") as cache_dir:
            yield Deployment(gunicorn_port, proxy_port, cache_dir)


# 1. Slow clients


# How a slow request starts; then it goes on one byte every DRIBBLE_SECONDS, never ending:
# in its headers, or in a body the view reads (the login form).
SLOW_REQUEST_STARTS = {
    "headers": f"GET /status/live HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: ",
    "body": (
        f"POST /auth/login HTTP/1.1\r\nHost: {HOST}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nemail="
    ),
}


class SlowClients:
    """`count` connections that send the start of a request and then one byte every
    DRIBBLE_SECONDS, never finishing; stopped by stop() or after ATTACK_LIMIT_SECONDS."""

    def __init__(self, port, count, start):
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection((HOST, port), timeout=ANSWER_TIMEOUT)
            sock.sendall(start.encode())
            self.sockets.append(sock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._dribble, daemon=True)
        self._thread.start()

    def _dribble(self):
        deadline = time.monotonic() + ATTACK_LIMIT_SECONDS
        while not self._stop.wait(DRIBBLE_SECONDS) and time.monotonic() < deadline:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.send(b"a")

    def open_count(self):
        """How many the server has neither answered nor closed: nothing to read on them, not
        even the end of the stream."""
        readable, _, _ = select.select(self.sockets, [], [], 0)
        return len(self.sockets) - len(readable)

    def stop(self):
        self._stop.set()
        self._thread.join()
        for sock in self.sockets:
            sock.close()


@contextlib.contextmanager
def slow_clients(port, start, count=SLOW_CLIENTS):
    attack = SlowClients(port, count, start)
    try:
        yield attack
    finally:
        attack.stop()


class PendingRequest:
    """A GET on a thread of its own: whether and what it was answered."""

    def __init__(self, port, path):
        self.answer = None
        self.error = None
        self.done = threading.Event()
        threading.Thread(target=self._run, args=(port, path), daemon=True).start()

    def _run(self, port, path):
        try:
            self.answer = request(port, "GET", path, timeout=ATTACK_LIMIT_SECONDS)
        except OSError as error:
            self.error = error
        finally:
            self.done.set()


@pytest.mark.parametrize("row", matrix_params([ROW]))
@pytest.mark.parametrize("slow_part", SLOW_REQUEST_STARTS)
def test_slow_clients_hold_gunicorn_but_not_nginx(deployment, row, slow_part):
    start = SLOW_REQUEST_STARTS[slow_part]
    # Through nginx: answered while every slow client is still connected.
    with slow_clients(deployment.proxy_port, start) as attack:
        assert attack.open_count() == SLOW_CLIENTS
        live = request(deployment.proxy_port, "GET", "/status/live")
        assert (live.status, live.body) == (200, "ok\n")
    # The same attack on gunicorn itself: each sync worker waits on a slow client, so the
    # answer comes only once they let go.
    with slow_clients(deployment.gunicorn_port, start):
        held = PendingRequest(deployment.gunicorn_port, "/status/live")
        assert not held.done.wait(HOLD_SECONDS), f"gunicorn answered during the attack: {held.answer}"
    assert held.done.wait(ANSWER_TIMEOUT), "gunicorn never answered once the attack stopped"
    assert held.error is None
    assert (held.answer.status, held.answer.body) == (200, "ok\n")


# 2. The micro-cache, with the bake's pages


@pytest.mark.parametrize("row", matrix_params([ROW]))
def test_anonymous_visitors_share_the_cached_home_page(deployment, row):
    port, host = deployment.proxy_port, ANONYMOUS_HOST
    first = request(port, "GET", "/", host=host)
    assert (first.status, first.cache_status) == (200, "MISS")
    assert first.headers["Cache-Control"] == "public, max-age=60"
    again = request(port, "GET", "/", host=host)
    assert again.cache_status == "HIT"
    assert again.body == first.body
    head = request(port, "HEAD", "/", host=host)
    assert (head.status, head.cache_status, head.body) == (200, "HIT", "")
    # A conditional request goes to the app, which answers it (its own page cache).
    revalidated = request(port, "GET", "/", host=host, headers={"If-None-Match": again.headers["ETag"]})
    assert revalidated.status == 304

    entries = len(cached_files(deployment.cache_dir))
    assert entries >= 1
    for _ in range(FLOOD_REQUESTS):
        query = request(port, "GET", f"/?q={secrets.token_hex(8)}", host=host)
        assert query.status == 200
        assert query.cache_status is None
        cookie = request(port, "GET", "/", host=host, cookies={"tracker": secrets.token_hex(8)})
        assert cookie.status == 200
        assert cookie.cache_status == "HIT"
    assert len(cached_files(deployment.cache_dir)) == entries, "anonymous requests added entries"


@pytest.mark.parametrize("row", matrix_params([ROW]))
def test_a_logged_in_user_never_meets_the_cache(deployment, row):
    port, host = deployment.proxy_port, USER_HOST
    cookies = log_in(port, host)

    # The user's own page first, with the cache empty: not from it, and not kept in it.
    mine = request(port, "GET", "/", cookies=cookies, host=host)
    assert mine.status == 200
    assert ADMIN_EMAIL in mine.body
    assert mine.cache_status is None
    assert "private" in mine.headers["Cache-Control"]
    anonymous = request(port, "GET", "/", host=host)
    assert anonymous.cache_status == "MISS", "the logged-in user's page was kept"
    assert ADMIN_EMAIL not in anonymous.body
    assert request(port, "GET", "/", host=host).cache_status == "HIT"

    # With the anonymous page cached, neither cookie alone (nor among others) gets it.
    for name in ("session", "remember_token"):
        again = request(port, "GET", "/", cookies={"tracker": "1", name: cookies[name]}, host=host)
        assert again.cache_status is None, f"answered from the cache with {name}"
        assert again.status == 200
        assert ADMIN_EMAIL in again.body
    assert ADMIN_EMAIL not in request(port, "GET", "/", host=host).body


@pytest.mark.parametrize("row", matrix_params([ROW]))
def test_a_response_that_sets_a_cookie_is_never_kept(deployment, row):
    # The login form opens a session (its CSRF token): private, with Set-Cookie.
    port = deployment.proxy_port
    answers = [request(port, "GET", "/auth/login") for _ in range(2)]
    for answer in answers:
        assert answer.status == 200
        assert answer.cache_status == "MISS"
        assert "session" in answer.cookies()
    assert answers[0].cookies()["session"] != answers[1].cookies()["session"]


# 3. What nginx keeps, against an origin that answers with chosen headers

# path -> (headers of the origin's 200, whether a shared cache may keep it)
ORIGIN_PAGES = {
    "/public": ({"Cache-Control": "public, max-age=60"}, True),
    "/max-age": ({"Cache-Control": "max-age=60"}, True),
    "/varies-by-cookie": ({"Cache-Control": "public, max-age=60", "Vary": "Cookie"}, True),
    "/private": ({"Cache-Control": "private, max-age=60"}, False),
    "/no-store": ({"Cache-Control": "no-store, max-age=60"}, False),
    "/no-cache": ({"Cache-Control": "no-cache, max-age=60"}, False),
    "/private-no-store": ({"Cache-Control": "private, no-store"}, False),
    "/sets-a-cookie": ({"Cache-Control": "public, max-age=60", "Set-Cookie": "visitor=42; Path=/"}, False),
    "/varies-by-language": ({"Cache-Control": "public, max-age=60", "Vary": "Accept-Language"}, False),
    "/varies-by-anything": ({"Cache-Control": "public, max-age=60", "Vary": "*"}, False),
    "/says-nothing": ({}, False),
}
# Fresh for a second, then served stale while the origin works on a new copy.
STALE_PATH = "/briefly-fresh"
# Asked for by several visitors at once before nginx has it.
LOCKED_PATH = "/wanted-by-many"
WAITING_CLIENTS = 5
# The origin holds back its answers for these while its gate is closed.
GATED_PATHS = {STALE_PATH: "public, max-age=1", LOCKED_PATH: "public, max-age=60"}


class Origin:
    """An HTTP server on a thread: ORIGIN_PAGES by path, each body naming how many times
    the origin was asked for that path; GATED_PATHS wait for `gate` before answering."""

    def __init__(self):
        self.counts = {}
        self.gate = threading.Event()
        self.gate.set()
        self.asked = threading.Condition()
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with origin.asked:
                    count = origin.counts[self.path] = origin.counts.get(self.path, 0) + 1
                    origin.asked.notify_all()
                if self.path in GATED_PATHS:
                    origin.gate.wait(ATTACK_LIMIT_SECONDS)
                    headers = {"Cache-Control": GATED_PATHS[self.path]}
                else:
                    headers = ORIGIN_PAGES.get(self.path, ({}, False))[0]
                body = f"copy {count} of {self.path}".encode()
                self.send_response(200)
                for name, value in {**headers, "Content-Length": str(len(body))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_until_asked(self, path, times):
        with self.asked:
            assert self.asked.wait_for(lambda: self.counts.get(path, 0) >= times, ANSWER_TIMEOUT)

    def close(self):
        self.gate.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def origin_behind_nginx(bakes, tmp_path_factory):
    nginx = require_nginx()
    project = bakes(ROW).project_path
    origin = Origin()
    try:
        port = free_port()
        status_port = free_port()
        workdir = tmp_path_factory.mktemp("nginx-origin")
        upstream = f"{HOST}:{origin.port}"
        with running_nginx(nginx, project, workdir, port, upstream, status_port=status_port):
            yield origin, port, status_port
    finally:
        origin.close()


@pytest.mark.parametrize("row", matrix_params([ROW]))
@pytest.mark.parametrize("path", ORIGIN_PAGES)
def test_nginx_keeps_only_what_a_shared_cache_may(origin_behind_nginx, row, path):
    origin, port, _ = origin_behind_nginx
    _, may_keep = ORIGIN_PAGES[path]
    first = request(port, "GET", path, cookies={"tracker": "a"})
    second = request(port, "GET", path, cookies={"tracker": "b"})
    assert first.body == f"copy 1 of {path}"
    if may_keep:
        assert (second.cache_status, second.body) == ("HIT", first.body)
        assert origin.counts[path] == 1
    else:
        assert second.cache_status != "HIT"
        assert second.body == f"copy 2 of {path}"


@pytest.mark.parametrize("row", matrix_params([ROW]))
def test_a_stale_page_is_served_while_one_request_fetches_it_anew(origin_behind_nginx, row):
    origin, port, _ = origin_behind_nginx
    first = request(port, "GET", STALE_PATH)
    assert first.body == f"copy 1 of {STALE_PATH}"
    origin.gate.clear()  # from now on the origin holds every answer back
    # Within a second or two the copy expires: the next request starts the update (which
    # the origin holds) and is answered with the stale copy all the same.
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while (answer := request(port, "GET", STALE_PATH)).cache_status == "HIT":
        assert time.monotonic() < deadline, "the copy never expired"
    assert answer.cache_status in ("STALE", "UPDATING")
    assert answer.body == first.body
    origin.wait_until_asked(STALE_PATH, 2)
    # Everybody else meanwhile: the stale copy, and the origin is not asked again (an
    # answer that had waited for the held origin would not have come).
    for answer in [request(port, "GET", STALE_PATH) for _ in range(5)]:
        assert (answer.cache_status, answer.body) == ("UPDATING", first.body)
    assert origin.counts[STALE_PATH] == 2
    origin.gate.set()
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while (answer := request(port, "GET", STALE_PATH)).body == first.body:
        assert time.monotonic() < deadline, "the new copy never replaced the stale one"
    assert answer.body == f"copy 2 of {STALE_PATH}"


@pytest.mark.parametrize("row", matrix_params([ROW]))
def test_one_request_fetches_a_missing_page_while_the_others_wait_for_it(origin_behind_nginx, row):
    origin, port, status_port = origin_behind_nginx
    origin.gate.clear()
    first = PendingRequest(port, LOCKED_PATH)
    origin.wait_until_asked(LOCKED_PATH, 1)
    others = [PendingRequest(port, LOCKED_PATH) for _ in range(WAITING_CLIENTS)]
    # Let the origin answer only once nginx is working on all of them (and on the status
    # request that counts them): without the lock they would be at the origin by now.
    deadline = time.monotonic() + ANSWER_TIMEOUT
    while requests_in_progress(status_port) < 1 + WAITING_CLIENTS + 1:
        assert time.monotonic() < deadline, "nginx never had every request in hand"
    origin.gate.set()
    for pending in [first, *others]:
        assert pending.done.wait(ANSWER_TIMEOUT)
        assert pending.error is None
        assert pending.answer.body == f"copy 1 of {LOCKED_PATH}"
    assert first.answer.cache_status == "MISS"
    assert [pending.answer.cache_status for pending in others] == ["HIT"] * WAITING_CLIENTS
    assert origin.counts[LOCKED_PATH] == 1
