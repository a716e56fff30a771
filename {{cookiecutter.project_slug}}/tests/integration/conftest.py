"""Fixtures for the real servers named by the environment.

The cache server comes from the environment, or from `.env` for the variables the
environment does not set (so pointing the cache variables in .env at your server serves
the app and its tests alike; the database never comes from .env, whose tables the tests
would drop). An unreachable server skips its tests with a reason
naming it; with REQUIRE_SERVICES=1 or CI=true it fails them instead, so a missing
server is never hidden.
"""

import os
from pathlib import Path

import pytest
from dotenv import dotenv_values
from sqlalchemy import event

from {{ cookiecutter.package_name }}.settings import load_settings

REQUIRE_SERVICES = any(
    os.environ.get(name, "").lower() in {"1", "true", "yes"} for name in ("REQUIRE_SERVICES", "CI")
)
PROJECT_DIR = Path(__file__).resolve().parents[2]
{%- if cookiecutter.cache_backend == "redis" %}
CACHE_VARIABLE_PREFIXES = ("CACHE_", "REDIS_")
{%- elif cookiecutter.cache_backend == "memcached" %}
CACHE_VARIABLE_PREFIXES = ("CACHE_", "MEMCACHED_")
{%- else %}
CACHE_VARIABLE_PREFIXES = ("CACHE_",)
{%- endif %}


def unavailable(service: str, reason: str):
    message = f"{service} is not reachable: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (REQUIRE_SERVICES or CI is set)", pytrace=False)
    pytest.skip(message)


def without_fsync(engine):
    """A SQLite file the tests throw away: no commit needs to wait for the disk (SQLite
    syncs every commit by default, most of these tests' time on a busy disk)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _no_fsync):
        event.listen(engine, "connect", _no_fsync)


def _no_fsync(connection, record):
    connection.execute("PRAGMA synchronous = OFF")


def cache_environment(project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The environment, plus the cache server variables of .env that it does not set."""
    from_file = dotenv_values(project_dir / ".env")
    return {
        **{
            name: value
            for name, value in from_file.items()
            if name.startswith(CACHE_VARIABLE_PREFIXES) and value is not None
        },
        **os.environ,
    }


@pytest.fixture
def real_cache_settings(tmp_path):
    """The chosen backend's settings from the environment, in a namespace of this test."""
    settings = load_settings(cache_environment())
    overrides = {
        key: value for key, value in settings.items() if key.startswith(CACHE_VARIABLE_PREFIXES)
    }
    # A fresh prefix per test: runs sharing one server never see each other's keys.
    overrides["CACHE_KEY_PREFIX"] = f"test-{os.urandom(4).hex()}-{settings['CACHE_KEY_PREFIX']}"
    if "CACHE_DIR" in overrides:
        overrides["CACHE_DIR"] = str(tmp_path / "cache")
    return overrides


@pytest.fixture
def cache_app(make_app, real_cache_settings):
    """An app on the real cache server; skips (or fails in CI) when it is down."""
    app = make_app(**real_cache_settings)
    with app.test_request_context():
        from {{ cookiecutter.package_name }}.main.health import check_cache

        state = check_cache()
    if not state["ok"]:
        unavailable(f"cache backend {state['backend']!r}", state.get("error", "no answer"))
    return app
