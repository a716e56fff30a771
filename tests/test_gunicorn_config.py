"""The generated gunicorn.conf.py in real gunicorn processes serving the default bake.

- Workers: their number (WEB_CONCURRENCY) and class (GUNICORN_WORKER_CLASS: gthread with
  GUNICORN_THREADS, gevent from the optional extra), counted among the master's children.
- Forwarded headers: X-Forwarded-Proto is honoured only from FORWARDED_ALLOW_IPS; gunicorn
  never reads X-Forwarded-For, the app does with PROXY_COUNT.
- Logging: access lines reach the app's own handlers (LOG_DIR's app.log) in its format.
- A bad value stops gunicorn with one line naming the variable.
"""

import http.client
import importlib.util
import re
import time
from pathlib import Path

import pytest

from . import services
from .baked import default_row, gunicorn_server, matrix_params, production_env, start_gunicorn, tail
from .throwaway_servers import free_port

# Generous: every wait below ends as soon as its condition holds.
DEADLINE = 60.0
POLL_INTERVAL = 0.1
LOG_LINE_START = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "
CLIENT = "203.0.113.9"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-For": CLIENT, "User-Agent": "forge-test"}


def eventually(condition, what, log_path):
    """Poll condition() until it is true; fails with gunicorn's log after DEADLINE."""
    deadline = time.monotonic() + DEADLINE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {DEADLINE} s; gunicorn's output:\n{tail(log_path)}")
        time.sleep(POLL_INTERVAL)


def children(pid):
    """The processes whose parent is pid, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # ended meanwhile
            continue
        # "pid (command) state ppid ...": the command may hold spaces and parentheses.
        if int(stat.rpartition(")")[2].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def require_proc():
    if not Path("/proc/self/stat").exists():
        services.missing("/proc is not available (the worker count is read from it)")


def logged(path, pattern):
    try:
        return re.search(pattern, path.read_text(), re.MULTILINE)
    except FileNotFoundError:
        return None


def get(port, path, headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location")
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("overrides", "workers", "worker_class"),
    [
        pytest.param({"WEB_CONCURRENCY": "3"}, 3, "sync", id="3-sync"),
        pytest.param(
            {"GUNICORN_WORKER_CLASS": "gthread", "GUNICORN_THREADS": "4"}, None, "gthread", id="gthread"
        ),
        pytest.param({"GUNICORN_WORKER_CLASS": "gevent"}, None, "gevent", id="gevent"),
    ],
)
@pytest.mark.parametrize("row", matrix_params([default_row()]))
def test_workers_come_from_the_environment(bakes, row, tmp_path, overrides, workers, worker_class):
    require_proc()
    if worker_class == "gevent" and importlib.util.find_spec("gevent") is None:
        services.missing("gevent is not installed (requirements-dev.txt)")
    project = bakes(row).project_path
    if workers is None:  # the bake's default: one process where the cache lives in it
        workers = 1 if row["cache_backend"] == "simple" else 2
    log_path = tmp_path / "gunicorn.log"
    env = production_env(row, tmp_path, **overrides)
    with gunicorn_server(project, env, free_port(), log_path, workers=None) as server:
        master = server.process.pid
        eventually(lambda: len(children(master)) == workers, f"{workers} workers did not run", log_path)
        assert logged(log_path, LOG_LINE_START + rf"INFO gunicorn\.error: Using worker: {worker_class}$")
        if worker_class == "gevent":
            for worker in children(master):
                assert "gevent" in Path(f"/proc/{worker}/maps").read_text()


@pytest.mark.parametrize(
    ("overrides", "scheme", "client"),
    [
        pytest.param({}, "http", "127.0.0.1", id="trusting-nobody"),
        pytest.param({"FORWARDED_ALLOW_IPS": "192.0.2.1"}, "http", "127.0.0.1", id="another-proxy"),
        pytest.param({"FORWARDED_ALLOW_IPS": "127.0.0.1"}, "https", "127.0.0.1", id="this-proxy"),
        pytest.param(
            {"FORWARDED_ALLOW_IPS": "127.0.0.1", "PROXY_COUNT": "1"}, "https", CLIENT, id="and-proxy-count"
        ),
    ],
)
@pytest.mark.parametrize("row", matrix_params([default_row()]))
def test_forwarded_headers_are_trusted_only_from_the_listed_proxies(
    bakes, row, tmp_path, overrides, scheme, client
):
    project = bakes(row).project_path
    log_path = tmp_path / "gunicorn.log"
    port = free_port()
    with gunicorn_server(project, production_env(row, tmp_path, **overrides), port, log_path, workers=1):
        # Routing's redirect to /tasks/ is absolute: it carries the scheme the app saw.
        status, location = get(port, "/tasks", FORWARDED)
        assert (status, location) == (308, f"{scheme}://127.0.0.1:{port}/tasks/")
        # The access line has the client address the app saw, in the app's format and file.
        access_line = (
            LOG_LINE_START + rf'INFO gunicorn\.access: {re.escape(client)} "GET /tasks HTTP/1\.1" 308 '
            r'\d+ \d+ms "-" "forge-test"$'
        )
        eventually(
            lambda: logged(tmp_path / "logs" / "app.log", access_line),
            f"no access line like {access_line!r} in the app's log",
            log_path,
        )


def run_until_exit(project, env, log_path):
    """Start gunicorn, which must stop by itself; its exit status and output."""
    process = start_gunicorn(project, env, free_port(), log_path, workers=None)
    try:
        eventually(lambda: process.poll() is not None, "gunicorn did not stop", log_path)
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
    return process.returncode, log_path.read_text()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("WEB_CONCURRENCY", "0"),
        ("GUNICORN_WORKER_CLASS", "eventlet"),
        ("GUNICORN_TIMEOUT", "soon"),
        ("PORT", "99999"),
    ],
)
@pytest.mark.parametrize("row", matrix_params([default_row()]))
def test_a_bad_value_stops_gunicorn_with_one_line(bakes, row, tmp_path, variable, value):
    project = bakes(row).project_path
    env = production_env(row, tmp_path, **{variable: value})
    status, output = run_until_exit(project, env, tmp_path / "gunicorn.log")
    assert status == 1, output
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert lines[0].startswith(f"gunicorn.conf.py: {variable} must "), output


@pytest.mark.parametrize("row", matrix_params([default_row()]))
def test_gunicorn_itself_refuses_a_web_concurrency_that_is_not_a_number(bakes, row, tmp_path):
    """gunicorn reads WEB_CONCURRENCY on import, before gunicorn.conf.py, and stops with its
    own traceback, whose quoted source line names the variable: not one line, but no server."""
    project = bakes(row).project_path
    env = production_env(row, tmp_path, WEB_CONCURRENCY="abc")
    status, output = run_until_exit(project, env, tmp_path / "gunicorn.log")
    assert status != 0, output
    assert "WEB_CONCURRENCY" in output
