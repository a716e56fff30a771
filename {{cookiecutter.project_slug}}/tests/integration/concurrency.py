"""Concurrent requests against one app, for the stampede tests on real servers."""

import threading
import time

from {{ cookiecutter.package_name }}.caching import stampede
from {{ cookiecutter.package_name }}.extensions import cache
from {{ cookiecutter.package_name }}.tasks import statistics
from tests.clocks import FakeClock

STATISTICS_URL = "/api/v1/tasks/statistics"
LOCK_SUFFIX = ":recomputing"
ARRIVAL_TIMEOUT = 30.0  # only bounds a broken run; nothing waits this long when it works


def concurrent_gets(app, path, count):
    """`count` GETs released at the same moment, one test client per thread."""
    barrier = threading.Barrier(count)
    responses = [None] * count

    def request(index):
        client = app.test_client()
        barrier.wait()
        responses[index] = client.get(path)

    threads = [threading.Thread(target=request, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def check_one_recomputation_per_expiry(make_app, cache_settings, monkeypatch, workers=12):
    """Cold and expired statistics under concurrent requests: one recomputation each.

    The recomputation waits until every request has tried the lock, so all of them
    arrive while it runs, however slow the machine; the statistics turn stale by moving
    the freshness clock, not by sleeping.
    """
    fresh_for = 60
    app = make_app(**cache_settings, MICRO_CACHE_TIMEOUT=0, STATISTICS_FRESH_FOR=fresh_for)
    clock = FakeClock(time.time())
    monkeypatch.setattr(stampede, "now", clock)
    lock_attempts = []
    everybody_tried = threading.Event()
    real_add = cache.add

    def counting_add(key, *args, **kwargs):
        added = real_add(key, *args, **kwargs)
        if key.endswith(LOCK_SUFFIX):
            lock_attempts.append(added)
            if len(lock_attempts) % workers == 0:
                everybody_tried.set()
        return added

    monkeypatch.setattr(cache, "add", counting_add)
    recomputations = []

    def statistics_once_everybody_tried():
        assert everybody_tried.wait(ARRIVAL_TIMEOUT), "not every request tried the lock"
        everybody_tried.clear()
        recomputations.append(threading.get_ident())
        return {"total": len(recomputations)}

    monkeypatch.setattr(statistics, "compute_statistics", statistics_once_everybody_tried)

    cold = concurrent_gets(app, STATISTICS_URL, workers)
    assert [response.status_code for response in cold] == [200] * workers
    assert len(recomputations) == 1
    assert {response.get_json()["total"] for response in cold} == {1}  # the others waited

    clock.advance(fresh_for + 1)  # stale now, but still stored
    expired = concurrent_gets(app, STATISTICS_URL, workers)
    assert [response.status_code for response in expired] == [200] * workers
    assert len(recomputations) == 2
    totals = sorted(response.get_json()["total"] for response in expired)
    assert totals == [1] * (workers - 1) + [2]  # the stale value, not a wait, for the others
