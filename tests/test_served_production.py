"""What an outsider can do to a production bake served by gunicorn (2 workers).

- Poisoning: headers that move the app under another script root or scheme
  (SCRIPT_NAME, X-Forwarded-*) are not trusted from anybody unless FORWARDED_ALLOW_IPS
  names the proxy, and the cached home page never carries them to other visitors.
- Flooding: random query strings on a cached page add no cache entries on the
  shared server (Redis here; memcached and the in-process caches get the same key).
"""

import http.client
import secrets

import pytest

from .baked import MATRIX, gunicorn, matrix_params, production_env, run_flask
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
