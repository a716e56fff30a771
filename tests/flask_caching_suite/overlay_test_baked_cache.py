"""Flask-Caching's backend tests (test_backend_cache.py) on the bake's cache: the fail-safe
wrapper that create_app() builds, and the backend inside it.

Each class takes Flask-Caching's own test class for that kind of backend, tests and class
settings unchanged (memcached's `_guaranteed_deletes`, ...), and gives it the bake's cache
as `make_cache`. Servers expire keys by their own clock: those classes sleep for real, as
Flask-Caching's own server classes do.
"""

import pytest
from conftest import BACKEND, SERVER_BACKENDS, extensions, tiers
from test_backend_cache import GenericCacheTests, TestMemcachedCache, TestNullCache, TestRedisCache

FLASK_CACHING_CLASS = {
    "simple": GenericCacheTests,
    "filesystem": GenericCacheTests,
    "redis": TestRedisCache,
    "memcached": TestMemcachedCache,
    "null": TestNullCache,
}[BACKEND]


class BakedCache(FLASK_CACHING_CLASS):
    _can_use_fast_sleep = BACKEND not in SERVER_BACKENDS

    @pytest.fixture(scope="class", autouse=True)
    def requirements(self):
        """The servers are the environment's (the bake's settings), not Flask-Caching's."""

    @pytest.fixture
    def wrapper(self, app):
        tiers.init_cache_tiers(app)
        wrapper = app.extensions["cache"][extensions.cache]
        yield wrapper
        wrapper.backend.clear()


class TestFailSafeWrapper(BakedCache):
    @pytest.fixture
    def make_cache(self, wrapper):
        return lambda: wrapper


class TestBackendInside(BakedCache):
    @pytest.fixture
    def make_cache(self, wrapper):
        return lambda: wrapper.backend


def test_the_suite_runs_on_the_cache_create_app_builds(app):
    """Cache(app), like the `cache` fixture, builds what create_app() builds from the same
    settings: the fail-safe wrapper around the bake's backend class."""
    import os

    from conftest import CACHE_SETTING_PREFIXES, PACKAGE
    from flask_caching import Cache

    settings = {key: value for key, value in app.config.items() if key.startswith(CACHE_SETTING_PREFIXES)}
    built = __import__(PACKAGE).create_app(settings, environ=dict(os.environ))
    with built.app_context():
        theirs = extensions.cache.cache
    mine = Cache(app)
    ours = app.extensions["cache"][mine]
    assert type(ours) is type(theirs)
    assert type(ours.backend) is type(theirs.backend)
