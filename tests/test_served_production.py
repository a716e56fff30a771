"""What an outsider can do to a production bake served by gunicorn (2 workers).

- Poisoning: headers that move the app under another script root or scheme
  (SCRIPT_NAME, X-Forwarded-*) are not trusted from anybody unless FORWARDED_ALLOW_IPS
  names the proxy, and the cached home page never carries them to other visitors.
- Flooding: random query strings on a cached page add no cache entries on the
  shared server (Redis here; memcached and the in-process caches get the same key).
- Broken bodies: a body gunicorn cannot read (every worker class) is a 400 with the
  error page the client asked for, for a form and for the API, and nothing is logged as
  an error (nor mailed).
"""

import http.client
import importlib.util
import re
import secrets
import socket
import time

import pytest

from . import services
from .baked import (
    MATRIX,
    default_row,
    gunicorn,
    matrix_params,
    production_env,
    run_flask,
    tail,
)
from .throwaway_servers import free_port, redis_dbsize, redis_server

HOSTILE_HEADERS = {
    "SCRIPT_NAME": "//evil.example",
    "Script-Name": "//evil.example",
    "X-Forwarded-Prefix": "//evil.example",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.9",
}
FLOOD_REQUESTS = 300


def redis_row():
    return next(row for row in MATRIX if row["cache_backend"] == "redis" and row["database"] == "sqlite")


def get(port, path, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.parametrize("row", matrix_params([redis_row()]))
def test_outsiders_can_neither_poison_nor_flood_the_page_cache(bakes, row, tmp_path):
    project = bakes(row).project_path
    with redis_server(tmp_path) as redis:
        env = production_env(row, tmp_path, REDIS_URL=f"redis://{redis.address}/0")
        run_flask(project, env, "db", "upgrade")
        port = free_port()
        with gunicorn(project, env, port, tmp_path / "gunicorn.log"):
            # The first request fills the cache, carrying every header an attacker can send.
            status, poisoned = get(port, "/", HOSTILE_HEADERS)
            assert status == 200
            assert "evil.example" not in poisoned
            status, page = get(port, "/")
            assert status == 200
            assert "evil.example" not in page
            assert 'href="/tasks/"' in page

            entries = redis_dbsize(redis.address)
            for _ in range(FLOOD_REQUESTS):
                assert get(port, f"/?q={secrets.token_hex(8)}")[0] == 200
            assert redis_dbsize(redis.address) <= entries  # not one entry per query string


CHUNKED = "Transfer-Encoding: chunked\r\n"
# Bodies gunicorn cannot read, sent as they are and followed by the end of what the
# client sends (the cut-off ones end there).
UNREADABLE_BODIES = {
    "invalid chunk size": (CHUNKED, b"zz\r\n{body}\r\n0\r\n\r\n"),
    "chunks ending in a bare LF": (CHUNKED, b"{size}\n{body}\n0\n\n"),
    "data beyond the chunk size": (CHUNKED, b"1\r\n{body}\r\n0\r\n\r\n"),
    "invalid chunk extension": (CHUNKED, b"{size};=x\r\n{body}\r\n0\r\n\r\n"),
    "invalid trailer": (CHUNKED, b"{size}\r\n{body}\r\n0\r\nnot a header\r\n\r\n"),
    "cut off in a chunk": (CHUNKED, b"fff\r\n{body}"),
    "cut off before the last chunk": (CHUNKED, b"{size}\r\n{body}\r\n"),
    "shorter than its Content-Length": ("Content-Length: 4000\r\n", b"{body}"),
}
# Where a body is read: a form (the CSRF check reads it) and the API (with a token).
FORM_POST = ("/auth/login", "application/x-www-form-urlencoded", "text/html", b"email=a%40b.example")
API_POST = ("/api/v1/tasks", "application/json", "application/json", b'{"title": "never stored"}')
ACCESS_LOG_DEADLINE = 30.0


def send_raw(port, target, head, body_template, token=None):
    """A POST sent byte for byte; the status, content type and body of the answer."""
    path, content_type, accept, body = target
    body = body_template.replace(b"{body}", body).replace(b"{size}", b"%x" % len(body))
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    request = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\n"
        f"Accept: {accept}\r\n{head}\r\n"
    ).encode() + body
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return response.status, response.getheader("Content-Type"), response.read().decode()


def api_token(project, env):
    """A token of a new administrator, made with the bake's own commands."""
    admin = {**env, "ADMIN_PASSWORD": secrets.token_urlsafe(16)}
    run_flask(project, admin, "users", "create-admin", "--email", "admin@example.org")
    created = run_flask(
        project, env, "users", "token", "create", "--email", "admin@example.org", "--name", "probe"
    )
    return created.stdout.strip().splitlines()[-1]


def wait_for_access_lines(log, pattern, count, gunicorn_log):
    """Until the log holds `count` access lines matching `pattern`: gunicorn writes each
    once its request is over, after anything the request logged."""
    deadline = time.monotonic() + ACCESS_LOG_DEADLINE
    while len(re.findall(pattern, log.read_text(), re.MULTILINE)) < count:
        if time.monotonic() > deadline:
            pytest.fail(f"{count} access lines like {pattern!r} were not logged:\n{tail(gunicorn_log)}")
        time.sleep(0.1)


@pytest.mark.parametrize("worker_class", ["sync", "gthread", "gevent"])
@pytest.mark.parametrize("row", matrix_params([default_row()]))
def test_a_body_gunicorn_cannot_read_is_a_400_and_no_error(bakes, row, tmp_path, worker_class):
    if worker_class == "gevent" and importlib.util.find_spec("gevent") is None:
        services.missing("gevent is not installed (requirements-dev.txt)")
    project = bakes(row).project_path
    env = production_env(row, tmp_path, GUNICORN_WORKER_CLASS=worker_class)
    run_flask(project, env, "db", "upgrade")
    token = api_token(project, env)
    gunicorn_log = tmp_path / "gunicorn.log"
    # One worker: its access lines follow whatever its requests logged before them.
    with gunicorn(project, env, free_port(), gunicorn_log, workers=1) as base_url:
        port = int(base_url.rpartition(":")[2])
        for name, (head, body) in UNREADABLE_BODIES.items():
            status, content_type, page = send_raw(port, FORM_POST, head, body)
            assert (status, content_type) == (400, "text/html; charset=utf-8"), (name, page)
            assert "The request body could not be read" in page, name
            status, content_type, problem = send_raw(port, API_POST, head, body, token)
            assert (status, content_type) == (400, "application/problem+json"), (name, problem)
            assert "The request body could not be read" in problem, name
        assert get(port, "/api/v1/tasks")[1].count('"id"') == 0  # nothing was stored
        logs = tmp_path / "logs"
        for path in ("/auth/login", "/api/v1/tasks"):
            access_line = rf'gunicorn\.access: .* "POST {re.escape(path)} HTTP/1\.1" 400 '
            wait_for_access_lines(logs / "app.log", access_line, len(UNREADABLE_BODIES), gunicorn_log)
    log = (logs / "app.log").read_text() + gunicorn_log.read_text()
    assert not re.search(r" (ERROR|CRITICAL) |Traceback", log), log
    assert (logs / "errors.log").read_text() == ""  # what ERROR records (and mails) go to
