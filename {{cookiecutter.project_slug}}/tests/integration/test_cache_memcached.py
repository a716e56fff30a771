"""Memcached specifics: shared entries, namespaced clear(), SASL credentials."""

import os

import pytest

from {{ cookiecutter.package_name }}.extensions import cache
from tests.servers import free_port

pytestmark = pytest.mark.integration


def test_clear_leaves_other_apps_entries_alone(cache_app, make_app, real_cache_settings):
    neighbour_prefix = f"neighbour-{os.urandom(4).hex()}:"
    neighbour = make_app(**{**real_cache_settings, "CACHE_KEY_PREFIX": neighbour_prefix})
    with neighbour.app_context():
        cache.set("theirs", "kept")
    with cache_app.app_context():
        cache.set("mine", "dropped")
        assert cache.cache.backend.clear()
        assert cache.get("mine") is None
    with neighbour.app_context():
        assert cache.get("theirs") == "kept"


def test_clear_is_seen_by_other_instances(cache_app, make_app, real_cache_settings):
    other = make_app(**real_cache_settings)
    with other.app_context():
        cache.set("page", "old")
        assert cache.get("page") == "old"
    with cache_app.app_context():
        assert cache.cache.backend.clear()
    with other.app_context():
        cache.cache.backend._generation = None  # as after the generation's short TTL
        assert cache.get("page") is None


def test_wrong_password_is_reported_by_status(cache_app, make_app, real_cache_settings):
    if not real_cache_settings["CACHE_MEMCACHED_USERNAME"]:
        pytest.skip("the memcached server in MEMCACHED_SERVERS does not use SASL")
    app = make_app(**{**real_cache_settings, "CACHE_MEMCACHED_PASSWORD": "wrong-password"})
    body = app.test_client().get("/status").get_json()
    assert body["status"] == "degraded"
    assert body["cache"]["ok"] is False


def test_refused_connection_degrades_to_no_cache(make_app, real_cache_settings):
    refused = {"CACHE_MEMCACHED_SERVERS": [f"127.0.0.1:{free_port()}"]}
    app = make_app(**{**real_cache_settings, **refused})
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/status").get_json()["status"] == "degraded"
