"""The cache never turns an outage or a bad value into an error: it degrades to a miss."""

import threading

from flask import Response

from {{ cookiecutter.package_name }}.extensions import cache
from tests.broken_cache import BrokenCache, FlakyCache
from tests.clocks import FakeClock

BROKEN = "tests.broken_cache.BrokenCache"
FLAKY = "tests.broken_cache.FlakyCache"


def test_outage_still_serves_the_page(make_app, render_count):
    client = make_app(CACHE_BACKEND=BROKEN).test_client()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert len(render_count) == 2


def test_outage_is_logged_once_per_interval(make_app, tmp_path):
    BrokenCache.calls = 0
    app = make_app(CACHE_BACKEND=BROKEN, LOG_DIR=str(tmp_path))
    client = app.test_client()
    for _ in range(5):
        assert client.get("/").status_code == 200
    log = (tmp_path / "errors.log").read_text()
    assert BrokenCache.calls >= 5
    assert log.count("serving without cache") == 1


def test_failed_backend_is_left_alone_for_the_retry_interval(make_app):
    BrokenCache.calls = 0
    client = make_app(CACHE_BACKEND=BROKEN, CACHE_RETRY_INTERVAL=60).test_client()
    for _ in range(5):
        assert client.get("/").status_code == 200
    # One failed read opened the interval; nothing else waited on the dead server.
    assert BrokenCache.calls == 1


def test_backend_is_tried_again_after_the_retry_interval(make_app):
    BrokenCache.calls = 0
    app = make_app(CACHE_BACKEND=BROKEN, CACHE_RETRY_INTERVAL=30)
    clock = FakeClock()
    with app.app_context():
        cache.cache.clock = clock  # the app's FailSafeCache
    client = app.test_client()
    client.get("/")
    clock.advance(29)
    client.get("/")
    assert BrokenCache.calls == 1  # still inside the interval
    clock.advance(2)
    client.get("/")
    assert BrokenCache.calls == 2


def test_caching_resumes_when_the_backend_answers_again(make_app, render_count, tmp_path):
    FlakyCache.down = True
    app = make_app(CACHE_BACKEND=FLAKY, CACHE_RETRY_INTERVAL=0, LOG_DIR=str(tmp_path))
    client = app.test_client()
    try:
        client.get("/")
        client.get("/")
        assert len(render_count) == 2
        FlakyCache.down = False
        client.get("/")
        client.get("/")
    finally:
        FlakyCache.down = False
    assert len(render_count) == 3  # the first request after recovery fills the cache
    log = (tmp_path / "app.log").read_text()
    assert "serving without cache" in log
    assert "answers again" in log


def test_direct_calls_are_protected_even_in_debug_mode(make_app):
    # Flask-Caching re-raises backend errors in debug mode; the wrapper does not.
    app = make_app(CACHE_BACKEND=BROKEN, DEBUG=True)
    with app.app_context():
        assert cache.set("key", "value") is False
        assert cache.add("key", "value") is False
        assert cache.get("key") is None
        assert cache.get_many("a", "b") == [None, None]
        assert cache.delete("key") is False
        assert cache.cache.inc("counter") is None
        assert cache.clear() is False


def test_unserialisable_value_is_not_cached_and_is_no_outage(make_app, tmp_path):
    app = make_app(LOG_DIR=str(tmp_path))
    with app.app_context():
        assert cache.set("lock", threading.Lock()) is False
        assert cache.set_many({"fine": 1, "lock": threading.Lock()}) == []
        assert cache.get("lock") is None
        assert cache.cache.available is True
        assert cache.set("fine", {"still": "cached"}) is True
        assert cache.get("fine") == {"still": "cached"}
    log = (tmp_path / "app.log").read_text()
    assert "cannot be serialised" in log
    assert "serving without cache" not in log


def test_view_with_an_unserialisable_response_still_answers(make_app, tmp_path):
    app = make_app(LOG_DIR=str(tmp_path))

    @app.get("/streamed")
    @cache.cached()
    def streamed():
        # A streamed body is a generator, which cannot be pickled into the cache.
        return Response(part for part in ["streamed ", "body"])

    client = app.test_client()
    assert client.get("/streamed").data == b"streamed body"
    assert client.get("/streamed").data == b"streamed body"
    assert "cannot be serialised" in (tmp_path / "app.log").read_text()
