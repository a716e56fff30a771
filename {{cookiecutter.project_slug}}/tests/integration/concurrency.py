"""Concurrent requests against one app, for the stampede tests on real servers."""

import threading
import time

from {{ cookiecutter.package_name }}.tasks import statistics

STATISTICS_URL = "/api/tasks/statistics"
# Long enough for every other request to arrive during the recomputation even on a
# loaded CI machine, where each thread's first SASL handshake takes a while; still
# below the 2 s that requests wait on a cold cache.
RECOMPUTE_SECONDS = 1.0


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
    """Cold and expired statistics under concurrent requests: one recomputation each."""
    fresh_for = 1
    app = make_app(**cache_settings, MICRO_CACHE_TIMEOUT=0, STATISTICS_FRESH_FOR=fresh_for)
    recomputations = []

    def slow_statistics():
        recomputations.append(threading.get_ident())
        time.sleep(RECOMPUTE_SECONDS)
        return {"total": len(recomputations)}

    monkeypatch.setattr(statistics, "compute_statistics", slow_statistics)

    cold = concurrent_gets(app, STATISTICS_URL, workers)
    assert [response.status_code for response in cold] == [200] * workers
    assert len(recomputations) == 1
    assert {response.get_json()["total"] for response in cold} == {1}  # the others waited

    time.sleep(fresh_for + 0.2)  # stale now, but still stored
    expired = concurrent_gets(app, STATISTICS_URL, workers)
    assert [response.status_code for response in expired] == [200] * workers
    assert len(recomputations) == 2
    totals = [response.get_json()["total"] for response in expired]
    assert totals.count(1) >= 1  # served the stale value instead of waiting
    assert totals.count(2) >= 1
