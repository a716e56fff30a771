"""Redis specifics: shared between app instances, clear() spares other apps, timeouts."""

import os
import socket
import threading

import pytest
import redis

from {{ cookiecutter.package_name }}.caching.keys import release_prefix
from {{ cookiecutter.package_name }}.extensions import cache
from tests.integration.concurrency import check_one_recomputation_per_expiry
from tests.servers import free_port

pytestmark = pytest.mark.integration


def single_server(url, **settings):
    """Settings for one plain server, whatever topology the environment names."""
    return {
        "CACHE_REDIS_URL": url,
        "CACHE_REDIS_SENTINELS": [],
        "CACHE_REDIS_CLUSTER_NODES": [],
        **settings,
    }


def raw_client():
    return cache.cache.backend.client


def test_keys_carry_the_app_and_release_prefix(cache_app, real_cache_settings):
    name = f"visible-{os.urandom(4).hex()}"
    with cache_app.app_context():
        cache.set(name, 1)
        keys = list(raw_client().scan_iter(match="*" + name))
    expected = real_cache_settings["CACHE_KEY_PREFIX"] + cache_app.config["APP_VERSION"] + ":"
    assert release_prefix(cache_app.config) == expected
    assert [key.decode() for key in keys] == [expected + name]


def test_clear_leaves_other_apps_keys_alone(cache_app, real_cache_settings):
    with cache_app.app_context():
        client = raw_client()
        foreign = "other-app-" + real_cache_settings["CACHE_KEY_PREFIX"]
        client.set(foreign, b"theirs", ex=60)
        for number in range(1200):  # more than one SCAN batch
            cache.set(f"mine-{number}", number)
        assert cache.cache.backend.clear()
        assert cache.get("mine-7") is None
        assert client.get(foreign) == b"theirs"
        client.delete(foreign)


def test_refused_connection_degrades_to_no_cache(make_app, real_cache_settings, app_log_records):
    refused = single_server(f"redis://127.0.0.1:{free_port()}/0")
    app = make_app(**{**real_cache_settings, **refused})
    client = app.test_client()
    assert client.get("/").status_code == 200
    body = client.get("/status").get_json()
    assert body["status"] == "degraded"
    assert body["cache"] == "down"
    # The reason is in the log; /status is public.
    assert any("ConnectionError" in record.getMessage() for record in app_log_records)


def test_silent_server_is_bounded_by_the_read_timeout(make_app, real_cache_settings):
    # A socket that accepts connections and never answers.
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    port = listener.getsockname()[1]
    silent = single_server(f"redis://127.0.0.1:{port}/0", REDIS_READ_TIMEOUT=0.2)
    app = make_app(**{**real_cache_settings, **silent})
    try:
        assert app.test_client().get("/").status_code == 200
        with app.app_context(), pytest.raises(redis.TimeoutError):
            cache.cache.backend.get("anything")
    finally:
        listener.close()


def test_concurrent_requests_recompute_expired_statistics_once(
    make_app, real_cache_settings, cache_app, monkeypatch
):
    check_one_recomputation_per_expiry(make_app, real_cache_settings, monkeypatch)
