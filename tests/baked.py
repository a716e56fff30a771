"""The bake matrix and how a baked project's own suite is run against real servers."""

import os
import re
import subprocess
import sys

import pytest

import services
from matrix import bake_matrix, combination_id

MATRIX = bake_matrix()
# Skips that a generated suite may report even where services are required.
ALLOWED_SKIP = "does not use SASL"
# Variables of the app itself: the baked suites get them from the test, not from here.
APP_VARIABLES = re.compile(
    r"^(APP_ENV|SECRET_KEY|DATABASE_URL|REDIS_URL|REDIS_.*|MEMCACHE[DI]_.*|MEMCACHIER_.*|CACHE_.*"
    r"|LOG_.*|MAIL_.*|ADMINS|SLACK_WEBHOOK_URL|SENTRY_.*|FLASK_.*|FORWARDED_ALLOW_IPS)$"
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
    if row["cache_backend"] == "redis":
        services.require_redis()
        env["REDIS_URL"] = services.REDIS_URL
    if row["cache_backend"] == "memcached":
        services.require_memcached(services.MEMCACHED_SERVERS)
        env["MEMCACHED_SERVERS"] = services.MEMCACHED_SERVERS
    env.update(extra)
    return env


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


def run_flask(project, env, *command):
    """`flask --app wsgi <command>` in a baked project; fails the test with its output."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *command],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
