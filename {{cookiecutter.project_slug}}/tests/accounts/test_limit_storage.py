"""The rate-limit storage in the database (limit_storage.py), on the database the project
is deployed on: fixed windows, and hits from many threads at once each counted once."""

import threading

import pytest
from limits import RateLimitItemPerMinute
from limits.strategies import FixedWindowRateLimiter

from {{ cookiecutter.package_name }}.limit_storage import DatabaseStorage
from tests.clocks import FakeClock
{%- if cookiecutter.cache_backend not in ["redis", "memcached"] %}

from ..account_helpers import log_in
{%- endif %}

pytestmark = pytest.mark.integration


@pytest.fixture
def storage(app):
    storage = DatabaseStorage()
    storage.clock = FakeClock(1_000_000.0)
    with app.app_context():
        yield storage


def test_a_window_counts_until_it_expires(storage):
    assert storage.get("k") == 0
    assert [storage.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert storage.incr("k", 60, amount=2) == 5
    assert storage.get("k") == 5
    assert storage.get_expiry("k") == storage.clock() + 60
    storage.clock.advance(59)
    assert storage.incr("k", 60) == 6
    storage.clock.advance(1)
    assert storage.get("k") == 0  # expired
    assert storage.incr("k", 60) == 1  # a new window
    assert storage.get_expiry("k") == storage.clock() + 60
    assert storage.decr("k") == 0
    storage.incr("other", 60)
    storage.clear("k")
    assert (storage.get("k"), storage.get("other")) == (0, 1)
    assert storage.check()
    storage.reset()
    assert storage.get("other") == 0


def test_limits_strategy_on_it(storage):
    limit = RateLimitItemPerMinute(2)
    strategy = FixedWindowRateLimiter(storage)
    assert [strategy.hit(limit, "client") for _ in range(3)] == [True, True, False]
    assert strategy.get_window_stats(limit, "client").remaining == 0
    storage.clock.advance(60)
    assert strategy.hit(limit, "client")


def test_hits_at_once_from_many_threads_are_each_counted(app, storage):
    counts = []

    def hit():
        with app.app_context():
            counts.append(storage.incr("busy", 60))

    threads = [threading.Thread(target=hit) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(counts) == list(range(1, 13))


{%- if cookiecutter.cache_backend not in ["redis", "memcached"] %}


def test_flask_limiter_counts_in_the_database(make_app, accounts_database_url, app):
    """The {{ cookiecutter.cache_backend }} cache has no server every process shares, so the
    limits are counted in the database: an app started after the counting (another
    worker, another machine) sees the counts."""
    settings = {
        "SQLALCHEMY_DATABASE_URI": accounts_database_url,
        "RATELIMIT_STORAGE_URI": "",  # the cache backend's choice
        "AUTH_RATE_LIMIT": "2 per minute",
    }
    wrong = "not-the-password-at-all"
    first = make_app(create_tables=False, **settings)
    assert first.config["RATELIMIT_STORAGE_URI"] == "database://"
    for _ in range(2):
        assert log_in(first.test_client(), "nobody@example.org", wrong).status_code == 200
    second = make_app(create_tables=False, **settings)  # binds the limiter anew
    assert log_in(second.test_client(), "nobody@example.org", wrong).status_code == 429
{%- endif %}
