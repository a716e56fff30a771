"""A cache server dies under gunicorn with 2 workers, then comes back.

Every request must still answer correctly, the outage must be logged once per worker and
interval (not per request), /status must say "degraded", and caching must resume without
a restart. The server is a throwaway one: the developer's own is never touched.
"""

import json
import time
import urllib.error
import urllib.request

import pytest

from .baked import MATRIX, gunicorn, matrix_params, production_env, run_flask
from .throwaway_servers import free_port, memcached_server, memcached_stats, redis_dbsize, redis_server

PAGES = ["/", "/tasks/", "/api/v1/tasks", "/api/v1/tasks/statistics", "/tasks/export.csv"]
SEEDED_TASKS = 3
RECOVERY_TIMEOUT = 20.0


def outage_rows():
    return [
        next(row for row in MATRIX if row["cache_backend"] == backend and row["database"] == "sqlite")
        for backend in ("redis", "memcached")
    ]


THROWAWAY = {
    "redis": {
        "start": lambda tmp_path: redis_server(tmp_path),
        "env": lambda server: {"REDIS_URL": f"redis://{server.address}/0"},
        "entries": lambda server: redis_dbsize(server.address),
    },
    "memcached": {
        "start": lambda tmp_path: memcached_server(),
        "env": lambda server: {"MEMCACHED_SERVERS": server.address},
        "entries": lambda server: int(memcached_stats(server.address)["curr_items"]),
    },
}


def fetch(port, path):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_until(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} within {timeout} s")


@pytest.mark.parametrize("row", matrix_params(outage_rows()))
def test_cache_server_crash_and_recovery_under_gunicorn(bakes, row, tmp_path):
    project = bakes(row).project_path
    backend = THROWAWAY[row["cache_backend"]]
    logs = tmp_path / "logs"
    with backend["start"](tmp_path) as server:
        env = production_env(
            row,
            tmp_path,
            CACHE_OUTAGE_LOG_INTERVAL="600",
            CACHE_RETRY_INTERVAL="0.5",
            **backend["env"](server),
        )
        run_flask(project, env, "db", "upgrade")
        run_flask(project, env, "seed", "--count", str(SEEDED_TASKS))
        port = free_port()
        with gunicorn(project, env, port, tmp_path / "gunicorn.log"):
            check_caching(port, server, backend)

            server.kill()
            for _ in range(10):
                check_every_page(port)
            # A worker may answer from its own copies for a while (the page front, the
            # micro cache): the outage is logged once a request of its reaches the server.
            wait_until(
                lambda: check_every_page(port) and outage_reports(logs) >= 1,
                RECOVERY_TIMEOUT,
                "the outage was not logged",
            )
            status, body = fetch(port, "/status")
            report = json.loads(body)
            assert status == 200
            assert report["status"] == "degraded"
            assert report["cache"] == "down"
            assert outage_reports(logs) <= 2  # once per worker, not once per request

            server.restart()
            # Until every worker that saw the outage has used the cache again.
            wait_until(
                lambda: (
                    check_every_page(port)
                    and backend["entries"](server) > 0
                    and status_of(port) == "ok"
                    and (logs / "app.log").read_text().count("answers again") == outage_reports(logs)
                ),
                RECOVERY_TIMEOUT,
                "caching did not resume",
            )
            assert outage_reports(logs) <= 2


def outage_reports(logs):
    return (logs / "errors.log").read_text().count("serving without cache")


def status_of(port):
    return json.loads(fetch(port, "/status")[1])["status"]


def check_caching(port, server, backend):
    assert check_every_page(port)
    assert backend["entries"](server) > 0  # the pages and statistics went into the cache


def check_every_page(port):
    """Every page answers 200 with the right content, cache or no cache."""
    for path in PAGES:
        status, body = fetch(port, path)
        assert status == 200, (path, status, body[:300])
    statistics = json.loads(fetch(port, "/api/v1/tasks/statistics")[1])
    assert statistics["total"] == SEEDED_TASKS
    assert len(json.loads(fetch(port, "/api/v1/tasks")[1])["items"]) == SEEDED_TASKS
    return True
