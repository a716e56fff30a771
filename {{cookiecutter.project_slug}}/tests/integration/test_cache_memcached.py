"""Memcached specifics: namespaced clear(), several servers, SASL, outages."""

import os
import socket
import threading
import time

import bmemcached
import pytest

from {{ cookiecutter.package_name }}.extensions import cache
from tests.integration.concurrency import check_one_recomputation_per_expiry
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


def test_wrong_password_is_explained_in_the_logs(
    cache_app, make_app, real_cache_settings, tmp_path
):
    if not real_cache_settings["CACHE_MEMCACHED_USERNAME"]:
        pytest.skip("the memcached server in MEMCACHED_SERVERS does not use SASL")
    app = make_app(
        **{**real_cache_settings, "CACHE_MEMCACHED_PASSWORD": "wrong-password"},
        LOG_DIR=str(tmp_path),
    )
    client = app.test_client()
    assert client.get("/").status_code == 200
    body = client.get("/status").get_json()
    assert body["status"] == "degraded"
    assert body["cache"] == "down"  # the reason is in the log: /status is public
    log = (tmp_path / "errors.log").read_text()
    assert "refused the SASL credentials" in log
    assert "MEMCACHED_PASSWORD" in log


def test_refused_connection_degrades_to_no_cache(make_app, real_cache_settings, app_log_records):
    refused = {"CACHE_MEMCACHED_SERVERS": [f"127.0.0.1:{free_port()}"]}
    app = make_app(**{**real_cache_settings, **refused})
    client = app.test_client()
    assert client.get("/").status_code == 200
    body = client.get("/status").get_json()
    assert body["status"] == "degraded"
    assert body["cache"] == "down"
    # The reason is in the log; /status is public.
    messages = [record.getMessage() for record in app_log_records]
    assert any("ConnectionError: memcached 127.0.0.1:" in message for message in messages)


def test_silent_server_is_bounded_by_the_timeout(make_app, real_cache_settings, tmp_path):
    # A socket that accepts connections and never answers.
    listener = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: listener.accept(), daemon=True).start()
    silent = {
        "CACHE_MEMCACHED_SERVERS": [f"127.0.0.1:{listener.getsockname()[1]}"],
        "MEMCACHED_TIMEOUT": 0.2,
        "CACHE_RETRY_INTERVAL": 60,
        "LOG_DIR": str(tmp_path),
    }
    app = make_app(**{**real_cache_settings, **silent})
    try:
        client = app.test_client()
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 200
        with app.app_context(), pytest.raises(ConnectionError, match="memcached 127.0.0.1:"):
            cache.cache.backend.get("anything")
    finally:
        listener.close()
    assert (tmp_path / "errors.log").read_text().count("serving without cache") == 1


def test_keys_are_spread_over_every_server(cache_app, real_cache_settings):
    """With several MEMCACHED_SERVERS, consistent hashing gives each server a share."""
    servers = real_cache_settings["CACHE_MEMCACHED_SERVERS"]
    names = [f"spread-{number}" for number in range(200)]
    with cache_app.app_context():
        cache.set_many(dict.fromkeys(names, "value"))
        backend = cache.cache.backend
        stored_keys = [backend.server_key(name) for name in names]
    holders = set()
    for server in servers:
        client = bmemcached.Client(
            [server],
            real_cache_settings["CACHE_MEMCACHED_USERNAME"],
            real_cache_settings["CACHE_MEMCACHED_PASSWORD"],
        )
        if any(value is not None for value in client.get_multi(stored_keys).values()):
            holders.add(server)
        client.disconnect_all()
    assert holders == set(servers)


def test_concurrent_requests_recompute_expired_statistics_once(
    make_app, real_cache_settings, cache_app, monkeypatch
):
    check_one_recomputation_per_expiry(make_app, real_cache_settings, monkeypatch)


KEYS_MEMCACHED_CANNOT_TAKE = {
    "over 250 bytes": "k" * 251,
    "a space": "with space",
    "control characters": "tab\tand\nnewline\x00",
    "non-ASCII": "caf\u00e9-\u2603",
    "over 250 bytes of UTF-8": "\u2603" * 90,
}


@pytest.mark.parametrize("key", KEYS_MEMCACHED_CANNOT_TAKE.values(), ids=KEYS_MEMCACHED_CANNOT_TAKE)
def test_any_key_works_and_is_no_outage(cache_app, key):
    with cache_app.app_context():
        assert cache.set(key, "value") is True
        assert cache.get(key) == "value"
        assert cache.has(key) is True
        assert cache.get_many(key, "plain") == ["value", None]
        assert cache.set_many({key: "other", "plain": 1}) == [key, "plain"]
        assert cache.get_dict(key, "plain") == {key: "other", "plain": 1}
        assert cache.delete(key) is True
        assert cache.get(key) is None
        assert cache.cache.available is True


def test_a_long_namespace_leaves_every_key_usable(make_app, real_cache_settings):
    prefix = "long-" + "n" * 250 + real_cache_settings["CACHE_KEY_PREFIX"]
    app = make_app(**{**real_cache_settings, "CACHE_KEY_PREFIX": prefix})
    with app.app_context():
        assert cache.set("page", "value") is True
        assert cache.get("page") == "value"
        assert cache.cache.backend.clear()
        assert cache.get("page") is None
        assert cache.cache.available is True


def test_a_key_holding_none_is_there(cache_app):
    with cache_app.app_context():
        cache.set("nothing", None)
        assert cache.has("nothing") is True
        assert cache.has("never-set") is False


def test_a_cached_none_is_a_hit_with_cache_none(cache_app):
    calls = []

    @cache.memoize(cache_none=True)
    def lookup():
        calls.append(1)

    with cache_app.app_context():
        lookup()
        lookup()
    assert calls == [1]


def test_a_value_over_the_item_size_limit_is_not_cached_and_is_no_outage(cache_app):
    too_large = os.urandom(2 * 1024 * 1024)  # random: compression does not shrink it
    with cache_app.app_context():
        assert cache.set("large", too_large) is False
        assert cache.get("large") is None
        assert cache.cache.available is True
        assert cache.set("small", b"fits") is True


def test_entries_live_their_timeout_whatever_this_machines_clock_says(cache_app, monkeypatch):
    """Timeouts are seconds the server counts, not a time on this machine's clock, so an
    app server whose clock is an hour behind the cache server's still caches."""
    behind = time.time() - 3600
    monkeypatch.setattr(time, "time", lambda: behind)
    # cachelib's memcached backend read the clock by a name of its own.
    monkeypatch.setattr("cachelib.memcached.time", lambda: behind)
    with cache_app.app_context():
        assert cache.set("page", "value", timeout=300) is True
        assert cache.get("page") == "value"
