"""The chosen cache backend, against the real server the environment names."""

import time
from pathlib import Path

import pytest
from flask import render_template_string

from {{ cookiecutter.package_name }}.caching import BACKEND_NAME, SHARED_BETWEEN_PROCESSES
from {{ cookiecutter.package_name }}.caching.front import page_front
from {{ cookiecutter.package_name }}.extensions import cache

pytestmark = pytest.mark.integration
CACHING_ENABLED = BACKEND_NAME != "null"


def test_status_reports_the_cache_as_ok(cache_app):
    body = cache_app.test_client().get("/status").get_json()
    assert body["cache"] == ("ok" if CACHING_ENABLED else "off")
    assert body["status"] == "ok"


def test_values_round_trip(cache_app):
    with cache_app.app_context():
        cache.set("answer", {"value": 42, "text": "café"}, timeout=30)
        stored = cache.get("answer")
        cache.delete("answer")
        deleted = cache.get("answer")
    assert stored == ({"value": 42, "text": "café"} if CACHING_ENABLED else None)
    assert deleted is None


def test_home_page_is_cached_by_the_backend(cache_app, render_count):
    client = cache_app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert len(render_count) == (1 if CACHING_ENABLED else 2)


def test_cache_clear_command_removes_this_apps_entries(cache_app, render_count):
    client = cache_app.test_client()
    client.get("/")
    result = cache_app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    client.get("/")
    assert len(render_count) == 2


def test_entries_are_shared_between_app_instances_when_the_backend_is(
    cache_app, make_app, real_cache_settings
):
    # Two app instances stand for two gunicorn workers.
    other_worker = make_app(**real_cache_settings)
    with cache_app.app_context():
        cache.set("shared", "from the first worker")
    with other_worker.app_context():
        seen = cache.get("shared")
    assert seen == ("from the first worker" if SHARED_BETWEEN_PROCESSES else None)


def test_has_answers_for_stored_and_missing_keys(cache_app):
    with cache_app.app_context():
        cache.set("present", "yes")
        assert cache.has("present") is CACHING_ENABLED
        assert cache.has("absent") is False


def test_a_new_release_never_serves_the_old_releases_pages(
    cache_app, make_app, real_cache_settings, render_count
):
    cache_app.test_client().get("/")
    new_release = make_app(**real_cache_settings, APP_VERSION="next-release")
    new_release.test_client().get("/")
    assert len(render_count) == 2  # rendered again by the new code
    cache_app.test_client().get("/")
    assert len(render_count) == (2 if CACHING_ENABLED else 3)  # the old release's entry is intact


def test_cache_clear_removes_every_release_of_this_app(
    cache_app, make_app, real_cache_settings, render_count
):
    new_release = make_app(**real_cache_settings, APP_VERSION="next-release")
    cache_app.test_client().get("/")
    new_release.test_client().get("/")
    assert new_release.test_cli_runner().invoke(args=["cache", "clear"]).exit_code == 0
    with cache_app.app_context():
        backend = cache.cache.backend
        if hasattr(backend, "_generation"):
            backend._generation = None  # memcached: as after GENERATION_TTL_SECONDS
    front = page_front(cache_app)
    if front is not None:  # its own copy of the page, as MICRO_CACHE_TIMEOUT seconds later
        later = time.monotonic() + cache_app.config["MICRO_CACHE_TIMEOUT"]
        front.local.clock = lambda: later
    cache_app.test_client().get("/")
    # A per-process cache is cleared by restarting the process, not by another one.
    cleared = SHARED_BETWEEN_PROCESSES or not CACHING_ENABLED
    assert len(render_count) == (3 if cleared else 2)


def test_template_fragments_are_shared_between_app_instances_when_the_backend_is(
    cache_app, make_app, real_cache_settings
):
    fragment = (Path(__file__).parents[1] / "templates" / "cached_fragment.html").read_text()
    other_worker = make_app(**real_cache_settings)
    with cache_app.test_request_context():
        render_template_string(fragment, text="from the first worker")
    with other_worker.test_request_context():
        seen = render_template_string(fragment, text="from the second worker")
    shared = SHARED_BETWEEN_PROCESSES and CACHING_ENABLED
    assert seen == ("from the first worker" if shared else "from the second worker")
