"""A baked project's cache tests against Redis Sentinel, Redis Cluster and several memcached.

The servers are throwaway ones started for the test; afterwards the test checks on the
servers themselves that the project's traffic really went through that topology.
"""

import pytest

from . import services
from .baked import MATRIX, generated_suite_env, matrix_params, run_generated_suite, unexpected_skips
from .throwaway_servers import memcached_server, memcached_stats, redis_cluster, redis_dbsize, redis_sentinel


def row_for(cache_backend):
    return next(
        row for row in MATRIX if row["cache_backend"] == cache_backend and row["database"] == "sqlite"
    )


def run_cache_tests(bakes, row, **topology):
    project = bakes(row).project_path
    # The test started these servers itself: an unreachable one is a failure, never a skip.
    env = generated_suite_env(row, None, REQUIRE_SERVICES="1", **topology)
    output = run_generated_suite(project, env, "tests/integration", "-k", "cache")
    assert " passed" in output
    assert unexpected_skips(output) == []


@pytest.mark.parametrize("row", matrix_params([row_for("redis")]))
def test_redis_sentinel(bakes, row, tmp_path):
    with redis_sentinel(tmp_path, master_name="forge-cache") as sentinel:
        run_cache_tests(
            bakes, row, REDIS_SENTINELS=sentinel.sentinels, REDIS_SENTINEL_MASTER=sentinel.master_name
        )
        assert redis_dbsize(sentinel.master.address) > 0  # the master the sentinel named got the keys


@pytest.mark.parametrize("row", matrix_params([row_for("redis")]))
def test_redis_cluster(bakes, row, tmp_path):
    with redis_cluster(tmp_path, nodes=3) as cluster:
        run_cache_tests(bakes, row, REDIS_CLUSTER_NODES=cluster.nodes)
        sizes = [redis_dbsize(server.address) for server in cluster.servers]
    assert sum(1 for size in sizes if size) >= 2, sizes  # keys hashed over several nodes


@pytest.mark.parametrize("row", matrix_params([row_for("memcached")]))
def test_several_memcached_servers(bakes, row):
    services.require_memcached(services.MEMCACHED_SERVERS)
    with memcached_server() as second, memcached_server() as third:
        servers = ",".join([services.MEMCACHED_SERVERS, second.address, third.address])
        run_cache_tests(bakes, row, MEMCACHED_SERVERS=servers)
        items = [int(memcached_stats(server.address)["curr_items"]) for server in (second, third)]
    assert all(items), items  # consistent hashing gave every server a share
