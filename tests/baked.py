"""The bake matrix and how a baked project's own suite is run against real servers."""

import contextlib
import os
import re
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import services
from .matrix import bake_matrix, combination_id

MATRIX = bake_matrix()
# Screenshots, reports and figures the tests leave behind for people to read.
ARTIFACTS_DIR = Path(
    os.environ.get("FORGE_ARTIFACTS_DIR", Path(__file__).resolve().parent.parent / "test-artifacts")
)
# Skips that a generated suite may report even where services are required.
ALLOWED_SKIP = "does not use SASL"
# Variables of the app itself: the baked suites get them from the test, not from here.
APP_VARIABLES = re.compile(
    r"^(APP_ENV|SECRET_KEY|DATABASE_URL|REDIS_URL|REDIS_.*|MEMCACHE[DI]_.*|MEMCACHIER_.*|CACHE_.*"
    r"|LOG_.*|MAIL_.*|ADMINS|SLACK_WEBHOOK_URL|SENTRY_.*|FLASK_.*|FORWARDED_ALLOW_IPS|PROXY_COUNT"
    r"|PORT|WEB_CONCURRENCY|GUNICORN_.*|CELERY_.*)$"
)


def default_row():
    """The matrix row of `cookiecutter --no-input`: simple cache, SQLite, no Sentry."""
    return next(
        row
        for row in MATRIX
        if row["cache_backend"] == "simple" and row["database"] == "sqlite" and not row["use_sentry"]
    )


def matrix_params(rows=MATRIX):
    return [
        pytest.param(row, id=combination_id(row), marks=pytest.mark.xdist_group(combination_id(row)))
        for row in rows
    ]


def generated_suite_env(row, database_url, **extra):
    env = {name: value for name, value in os.environ.items() if not APP_VARIABLES.match(name)}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The bake's .env is for development: production refuses a flask command that read it.
    env["FLASK_SKIP_DOTENV"] = "1"
    if services.REQUIRE_SERVICES:
        env["REQUIRE_SERVICES"] = "1"
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(cache_servers(row))
    if row["background_jobs"] == "celery":
        # The worker tests' broker; the generated suite skips them (or fails, in CI)
        # when it does not answer.
        env["CELERY_BROKER_URL"] = services.REDIS_URL
    env.update(extra)
    return env


def cache_servers(row):
    """The machine's cache server for the row's backend, by the bake's variable."""
    if row["cache_backend"] == "redis":
        services.require_redis()
        return {"REDIS_URL": services.REDIS_URL}
    if row["cache_backend"] == "memcached":
        services.require_memcached(services.MEMCACHED_SERVERS)
        return {"MEMCACHED_SERVERS": services.MEMCACHED_SERVERS}
    return {}


def production_env(row, tmp_path, **extra):
    """A bake's environment as production runs on loopback: SQLite in tmp_path, a fresh
    secret, 127.0.0.1 as its host, an ADMINS address, logs in tmp_path/logs; extra adds or
    overrides."""
    settings = {
        "APP_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TRUSTED_HOSTS": "127.0.0.1",
        "BASE_URL": "http://127.0.0.1",
        # Required in production; no MAIL_SERVER here, so nothing is mailed to it.
        "ADMINS": "ops@example.org",
        "LOG_DIR": str(tmp_path / "logs"),
    }
    return generated_suite_env(row, f"sqlite:///{tmp_path}/served.sqlite", **{**settings, **extra})


def run_generated_suite(project, env, *args):
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    return output


def unexpected_skips(output):
    return [line for line in output.splitlines() if line.startswith("SKIPPED") and ALLOWED_SKIP not in line]


def run_checked(command, cwd, env, timeout=120):
    """Run `command`; fail the test with its output unless it succeeds, else return the
    CompletedProcess (stdout and stderr as text)."""
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def run_flask(project, env, *command):
    """`flask --app wsgi <command>` in a baked project, through run_checked."""
    return run_checked([sys.executable, "-m", "flask", "--app", "wsgi", *command], project, env)


SERVER_TIMEOUT = 30.0
LOG_TAIL_CHARS = 4000


def answers(base_url):
    """Whether the served bake answers /status (503 too: up, with a dependency down)."""
    try:
        with urllib.request.urlopen(f"{base_url}/status", timeout=5) as response:
            return response.status == 200
    except urllib.error.HTTPError as error:
        return error.code == 503
    except OSError:
        return False


def tail(path):
    try:
        return Path(path).read_text(errors="replace")[-LOG_TAIL_CHARS:]
    except OSError as error:
        return f"({error})"


def gunicorn_command(port, workers=2):
    """`gunicorn wsgi:app` on 127.0.0.1:port; workers=None leaves the number to the
    project's gunicorn.conf.py (WEB_CONCURRENCY), like everything else it sets."""
    workers_option = [] if workers is None else ["-w", str(workers)]
    return [sys.executable, "-m", "gunicorn", *workers_option, "-b", f"127.0.0.1:{port}", "wsgi:app"]


@dataclass
class GunicornServer:
    process: subprocess.Popen
    base_url: str


def start_gunicorn(project, env, port, log_path, workers=2):
    """gunicorn_command in the bake, its output to log_path; the running process."""
    with open(log_path, "wb") as log:
        return subprocess.Popen(
            gunicorn_command(port, workers),
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@contextlib.contextmanager
def gunicorn_server(project, env, port, log_path, workers=2):
    """The bake served as its README says (`gunicorn wsgi:app`, which reads the project's
    gunicorn.conf.py, access log included) with 2 workers (see gunicorn_command) on
    127.0.0.1:port; yields the server once /status answers, and fails the test with
    gunicorn's log if it never does."""
    base_url = f"http://127.0.0.1:{port}"
    process = start_gunicorn(project, env, port, log_path, workers)
    try:
        deadline = time.monotonic() + SERVER_TIMEOUT
        while not answers(base_url):
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with status {process.returncode}:\n{tail(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer within {SERVER_TIMEOUT} s:\n{tail(log_path)}")
            time.sleep(0.1)
        yield GunicornServer(process, base_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def gunicorn(project, env, port, log_path, workers=2):
    """gunicorn_server, yielding its base URL."""
    with gunicorn_server(project, env, port, log_path, workers) as server:
        yield server.base_url
