"""Stampede protection, step by step (the concurrent version runs on a real server)."""

import threading
import time

import pytest

from {{ cookiecutter.package_name }}.caching import stampede
from {{ cookiecutter.package_name }}.caching.stampede import get_or_recompute
from {{ cookiecutter.package_name }}.extensions import cache

KEY = "expensive"


class Computation:
    def __init__(self, value="fresh"):
        self.value = value
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return self.value


@pytest.fixture
def context(app):
    with app.app_context():
        yield app


def store(value, fresh_for):
    cache.set(KEY, {"value": value, "fresh_until": time.time() + fresh_for}, timeout=60)


def test_fresh_value_is_served_without_recomputing(context):
    store("cached", fresh_for=60)
    compute = Computation()
    assert get_or_recompute(cache, KEY, compute, fresh_for=60) == "cached"
    assert compute.calls == 0


def test_first_caller_of_a_stale_value_recomputes_and_stores(context):
    store("old", fresh_for=-1)
    compute = Computation("new")
    assert get_or_recompute(cache, KEY, compute, fresh_for=60) == "new"
    assert get_or_recompute(cache, KEY, compute, fresh_for=60) == "new"
    assert compute.calls == 1
    assert cache.get(f"{KEY}:recomputing") is None  # the lock is released


def test_others_serve_the_stale_value_while_one_recomputes(context):
    store("old", fresh_for=-1)
    cache.add(f"{KEY}:recomputing", True)  # another worker holds the lock
    compute = Computation("new")
    assert get_or_recompute(cache, KEY, compute, fresh_for=60) == "old"
    assert compute.calls == 0


def test_without_a_value_others_wait_for_the_recomputation(context):
    cache.add(f"{KEY}:recomputing", True)

    def other_worker_stores():
        with context.app_context():
            store("from the other worker", fresh_for=60)

    timer = threading.Timer(0.02, other_worker_stores)
    timer.start()
    compute = Computation()
    try:
        value = get_or_recompute(cache, KEY, compute, fresh_for=60, wait=5)
    finally:
        timer.cancel()
    assert value == "from the other worker"
    assert compute.calls == 0


def test_waiting_is_bounded_then_the_caller_computes(context):
    cache.add(f"{KEY}:recomputing", True)  # a holder that never finishes
    compute = Computation("computed here")
    assert get_or_recompute(cache, KEY, compute, fresh_for=60, wait=0.02) == "computed here"
    assert compute.calls == 1


def test_without_a_cache_every_caller_computes_at_once(make_app, monkeypatch):
    app = make_app(CACHE_BACKEND="tests.broken_cache.BrokenCache")
    monkeypatch.setattr(stampede.time, "sleep", pytest.fail)  # nobody may wait
    compute = Computation("uncached")
    with app.app_context():
        assert get_or_recompute(cache, KEY, compute, fresh_for=60) == "uncached"
        assert get_or_recompute(cache, KEY, compute, fresh_for=60) == "uncached"
    assert compute.calls == 2
