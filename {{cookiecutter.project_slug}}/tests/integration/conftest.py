"""Fixtures for the real servers named by the environment.

An unreachable server skips its tests with a reason naming it; with
REQUIRE_SERVICES=1 (CI) it fails them instead, so a missing server is never hidden.
"""

import os

import pytest

from {{ cookiecutter.package_name }}.settings import load_settings

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "").lower() in {"1", "true", "yes"}


def unavailable(service: str, reason: str):
    message = f"{service} is not reachable: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (REQUIRE_SERVICES is set)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def real_cache_settings(tmp_path):
    """The chosen backend's settings from the environment, in a namespace of this test."""
    settings = load_settings(os.environ)
    overrides = {
        key: value
        for key, value in settings.items()
        if key.startswith(("CACHE_", "REDIS_", "MEMCACHED_"))
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
        from {{ cookiecutter.package_name }}.health import check_cache

        state = check_cache()
    if not state["ok"]:
        unavailable(f"cache backend {state['backend']!r}", state.get("error", "no answer"))
    return app
