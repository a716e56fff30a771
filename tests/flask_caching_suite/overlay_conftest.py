"""conftest.py of Flask-Caching's own test suite when it runs against a baked project's
cache (tests/test_flask_caching_conformance.py copies it in; Flask-Caching's conftest.py is
kept beside it as flask_caching_conftest.py and imported below, unchanged).

The fixtures here replace three of theirs, and change no test:
- `app`: their Flask app, configured with the bake's cache settings (read by the bake's
  own load_settings from the environment the template test passes: the real servers), in a
  namespace of its own, so every `Cache(app)` of their tests builds the bake's cache;
- `cache`: the bake's `extensions.cache`, set up on that app by the bake's own
  init_cache_tiers() as create_app() does (micro-cache included): the fail-safe wrapper
  around the chosen backend;
- `redis_server`, `memcache_server`: their own servers (ports 6360, 11212) are never
  started; the tests that build Flask-Caching's own backends on them are not about the
  bake's cache (NOT_APPLICABLE).
A test that cannot apply to the bake's backend by design is skipped with the reason, by
the rules in NOT_APPLICABLE; the template test refuses any other skip.
"""

import importlib
import os
import uuid
from pathlib import Path

import flask
import pytest
from flask_caching_conftest import *  # noqa: F403 (their fixtures: clock, hash_method)

PACKAGE = os.environ["FORGE_BAKE_PACKAGE"]
settings_module = importlib.import_module(f"{PACKAGE}.settings")
extensions = importlib.import_module(f"{PACKAGE}.extensions")
tiers = importlib.import_module(f"{PACKAGE}.caching.tiers")
BACKEND = importlib.import_module(f"{PACKAGE}.caching").BACKEND_NAME
# Backends whose entries live in a server, which expires them by its own clock.
SERVER_BACKENDS = ("redis", "memcached")
ALL_BACKENDS = ("simple", "filesystem", "redis", "memcached", "null")
SUITE_DIR = Path(__file__).resolve().parent
# The settings of the bake's cache: what create_app() hands Flask-Caching and our factory.
CACHE_SETTING_PREFIXES = ("CACHE_", "MICRO_CACHE", "REDIS_", "MEMCACHED_", "APP_VERSION")
# Every namespace of this run starts with it: one clear at the end removes them all.
RUN_PREFIX = f"flask-caching-suite-{uuid.uuid4().hex[:8]}-"
SKIP_MARKER = "does not apply to the bake's cache:"


def baked_cache_settings(namespace, cache_dir):
    environ = {**os.environ, "CACHE_KEY_PREFIX": namespace, "CACHE_DIR": str(cache_dir)}
    settings = settings_module.load_settings(environ)
    return {key: value for key, value in settings.items() if key.startswith(CACHE_SETTING_PREFIXES)}


@pytest.fixture
def app(request, tmp_path):
    app = flask.Flask(request.module.__name__, template_folder=str(SUITE_DIR))
    app.testing = True
    app.config.update(baked_cache_settings(f"{RUN_PREFIX}{uuid.uuid4().hex[:8]}:", tmp_path))
    return app


@pytest.fixture
def cache(app):
    tiers.init_cache_tiers(app)
    yield extensions.cache
    app.extensions["cache"][extensions.cache].backend.clear()


@pytest.fixture(scope="session", autouse=True)
def clear_the_run_namespaces(tmp_path_factory):
    yield
    if BACKEND in SERVER_BACKENDS:
        app = flask.Flask(__name__)
        app.config.update(baked_cache_settings(RUN_PREFIX, tmp_path_factory.mktemp("clear")))
        tiers.init_cache_tiers(app)
        app.extensions["cache"][extensions.cache].backend.clear()


@pytest.fixture(scope="class")
def redis_server():
    pytest.fail("Flask-Caching's own Redis on port 6360 is not used here: see NOT_APPLICABLE")


@pytest.fixture(scope="class")
def memcache_server():
    pytest.fail("Flask-Caching's own memcached on 11212 is not used here: see NOT_APPLICABLE")


# Tests written for SimpleCache's serializer: its class, and its dumps() per value.
SIMPLE_SERIALIZER_CLASS_TESTS = {
    "test_default_keeps_the_cachelib_serializer",
    "test_backend_uses_cachelib_serializer",
}
SIMPLE_SERIALIZER_TESTS = {
    *SIMPLE_SERIALIZER_CLASS_TESTS,
    "test_configured_serializer_is_used_for_get_and_set",
}
WHOLE_SECOND_EXPIRY_TESTS = {
    "test_cached_view",
    "test_cached_view_class",
    "test_cache_timeout_dynamic_via_cached_reponse",
    "test_hit_cache",
}


def uses_a_fake_clock(item):
    """Moves their fake clock while using the app's cache (their own backend classes
    test Flask-Caching's backends, not the app's; GenericCacheTests sleep for real where
    the class says so, as on servers)."""
    names = item.fixturenames
    return "clock" in names and "app" in names and getattr(item.cls, "_can_use_fast_sleep", True)


# (rule, backends it holds for, reason): each reason says why the test cannot apply.
NOT_APPLICABLE = [
    (
        lambda item: item.module.__name__ != "test_baked_cache",
        ("null",),
        "a null bake caches nothing by design (every lookup misses); Flask-Caching runs "
        "only TestNullCache on its own NullCache, which test_baked_cache.py runs on ours",
    ),
    (
        uses_a_fake_clock,
        SERVER_BACKENDS,
        "it moves a fake clock inside cachelib's in-process backends (cachelib.simple, "
        "cachelib.file); a server expires keys by its own clock",
    ),
    (
        lambda item: {"redis_server", "memcache_server"} & set(item.fixturenames),
        ALL_BACKENDS,
        "it tests Flask-Caching's own RedisCache or MemcachedCache on Flask-Caching's own "
        "test servers (ports 6360, 11212); test_baked_cache.py runs these classes' tests "
        "on the bake's cache",
    ),
    (
        lambda item: item.name == "test_init_nullcache[MemcachedCache]",
        ALL_BACKENDS,
        "it builds Flask-Caching's own MemcachedCache, which needs pylibmc or "
        "python-memcached; the bake talks to memcached through python-binary-memcached",
    ),
    (
        lambda item: item.name in SIMPLE_SERIALIZER_CLASS_TESTS,
        ("redis",),
        "it expects SimpleCache's serializer, a SimpleSerializer; RedisCache's is a "
        "RedisSerializer, which keeps integers as text for INCRBY (CACHE_SERIALIZER reaches "
        "it all the same: test_instance_is_used_as_is, test_configured_serializer_is_used...)",
    ),
    (
        lambda item: item.name in SIMPLE_SERIALIZER_TESTS,
        ("filesystem",),
        "it expects SimpleCache's serializer, a SimpleSerializer that writes with dumps(); "
        "FileSystemCache's is a FileSystemSerializer that writes to the file with dump() "
        "(CACHE_SERIALIZER reaches it all the same: test_instance_is_used_as_is...)",
    ),
    (
        lambda item: item.name in WHOLE_SECOND_EXPIRY_TESTS,
        ("filesystem",),
        "its fake clock lands exactly on an entry's expiry second, which cachelib's "
        "FileSystemCache still serves (it stores whole-second expiry times and compares "
        "with >=): an entry never outlives its timeout, but this test expects SimpleCache's "
        "strict comparison at that very instant",
    ),
    (
        lambda item: (
            item.cls is not None and item.cls.__name__ == "TestFailSafeWrapper" and item.name == "test_compat"
        ),
        ("redis",),
        "it writes raw values through cachelib's private client (c._write_client), which the "
        "fail-safe wrapper does not have; TestBackendInside runs it on the backend",
    ),
    (
        lambda item: item.name == "test_values_are_stored_in_the_configured_format",
        ALL_BACKENDS,
        "it reads SimpleCache's private dict (cache.cache._cache); cache.cache is the "
        "fail-safe wrapper, whatever the backend",
    ),
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        for applies, backends, reason in NOT_APPLICABLE:
            if BACKEND in backends and applies(item):
                item.add_marker(pytest.mark.skip(reason=f"{SKIP_MARKER} {reason}"))
                break
