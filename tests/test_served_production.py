"""What an outsider can do to a production bake served by gunicorn (2 workers).

- Poisoning: headers that move the app under another script root or scheme
  (SCRIPT_NAME, X-Forwarded-*) are not trusted from anybody unless FORWARDED_ALLOW_IPS
  names the proxy, and the cached home page never carries them to other visitors.
- Flooding: random query strings on a cached page add no cache entries on the
  shared server (Redis here; memcached and the in-process caches get the same key).
"""

import contextlib
import http.client
import secrets
import subprocess
import sys
import time

import pytest

from baked import MATRIX, generated_suite_env, matrix_params, run_flask
from throwaway_servers import free_port, redis_dbsize, redis_server

HOSTILE_HEADERS = {
    "SCRIPT_NAME": "//evil.example",
    "Script-Name": "//evil.example",
    "X-Forwarded-Prefix": "//evil.example",
    "X-Forwarded-Host": "evil.example",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-For": "203.0.113.9",
}
FLOOD_REQUESTS = 300
START_TIMEOUT = 30.0


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


@contextlib.contextmanager
def served(project, env):
    """gunicorn as the README starts it (`gunicorn wsgi:app`, gunicorn.conf.py read from
    the project), with 2 workers; yields the port once / answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            with contextlib.suppress(OSError):
                if get(port, "/status")[0] in (200, 503):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer:\n{process.communicate(timeout=10)[1][-3000:]}")
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.parametrize("row", matrix_params([redis_row()]))
def test_outsiders_can_neither_poison_nor_flood_the_page_cache(bakes, row, tmp_path):
    project = bakes(row).project_path
    with redis_server(tmp_path) as redis:
        env = generated_suite_env(
            row,
            f"sqlite:///{tmp_path}/served.sqlite",
            APP_ENV="production",
            SECRET_KEY=secrets.token_urlsafe(48),
            TRUSTED_HOSTS="127.0.0.1",
            BASE_URL="http://127.0.0.1",
            REDIS_URL=f"redis://{redis.address}/0",
        )
        run_flask(project, env, "db", "upgrade")
        with served(project, env) as port:
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
