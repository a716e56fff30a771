"""Redis settings: one server, Sentinel or Cluster; bad values refuse to start."""

import pytest
import redis

from {{ cookiecutter.package_name }}.caching import redis as redis_backend
from {{ cookiecutter.package_name }}.env import ConfigError
from {{ cookiecutter.package_name }}.extensions import cache
from {{ cookiecutter.package_name }}.settings import load_settings
from tests.servers import free_port


def test_single_server_by_default():
    settings = load_settings({"REDIS_URL": "rediss://:secret@cache.internal:6380/2"})
    assert settings["CACHE_REDIS_URL"] == "rediss://:secret@cache.internal:6380/2"
    assert settings["CACHE_REDIS_SENTINELS"] == []
    assert settings["CACHE_REDIS_CLUSTER_NODES"] == []


def test_sentinels_and_master_name():
    settings = load_settings(
        {"REDIS_SENTINELS": "10.0.0.1:26379, 10.0.0.2:26379", "REDIS_SENTINEL_MASTER": "cache"}
    )
    assert settings["CACHE_REDIS_SENTINELS"] == [("10.0.0.1", 26379), ("10.0.0.2", 26379)]
    assert settings["CACHE_REDIS_SENTINEL_MASTER"] == "cache"


def test_cluster_nodes():
    settings = load_settings({"REDIS_CLUSTER_NODES": "node-a:7000,node-b:7001"})
    assert settings["CACHE_REDIS_CLUSTER_NODES"] == [("node-a", 7000), ("node-b", 7001)]


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"REDIS_URL": "http://cache:6379/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://cache:port/0"}, "REDIS_URL"),
        ({"REDIS_URL": "redis://"}, "REDIS_URL"),
        ({"REDIS_SENTINELS": "sentinel-without-port"}, "REDIS_SENTINELS"),
        ({"REDIS_CLUSTER_NODES": "node:seven"}, "REDIS_CLUSTER_NODES"),
        ({"REDIS_SENTINELS": "s:26379", "REDIS_CLUSTER_NODES": "n:7000"}, "REDIS_SENTINELS"),
        ({"REDIS_READ_TIMEOUT": "soon"}, "REDIS_READ_TIMEOUT"),
    ],
)
def test_bad_values_name_their_variable(environ, variable):
    with pytest.raises(ConfigError, match=variable):
        load_settings(environ)


@pytest.mark.parametrize("topology", ["CACHE_REDIS_SENTINELS", "CACHE_REDIS_CLUSTER_NODES"])
def test_unreachable_topology_at_start_up_is_an_outage_not_a_crash(make_app, topology):
    unreachable = {
        "CACHE_REDIS_SENTINELS": [],
        "CACHE_REDIS_CLUSTER_NODES": [],
        topology: [("127.0.0.1", free_port())],
    }
    app = make_app(CACHE_BACKEND=f"{redis_backend.__name__}.PrefixedRedisCache", **unreachable)
    client = app.test_client()
    assert client.get("/").status_code == 200
    body = client.get("/status").get_json()
    assert body["status"] == "degraded"
    assert body["cache"] == "down"


def backend_for(make_app, **topology):
    settings = {
        "CACHE_REDIS_URL": "redis://127.0.0.1:6379/0",
        "CACHE_REDIS_SENTINELS": [],
        "CACHE_REDIS_CLUSTER_NODES": [],
        **topology,
    }
    app = make_app(CACHE_BACKEND=f"{redis_backend.__name__}.PrefixedRedisCache", **settings)
    with app.app_context():
        return cache.cache.backend


@pytest.mark.parametrize(
    ("topology", "backend_class", "client_class"),
    [
        ({}, redis_backend.PrefixedRedisCache, redis.Redis),
        (
            {"CACHE_REDIS_SENTINELS": [("127.0.0.1", 26379)]},
            redis_backend.PrefixedRedisCache,
            redis_backend.ReadsFromReplicas,
        ),
        (
            {"CACHE_REDIS_CLUSTER_NODES": [("127.0.0.1", 7000)]},
            redis_backend.PrefixedClusterCache,
            redis_backend.LazyClient,
        ),
    ],
)
def test_each_topology_has_its_client_and_the_release_prefix(
    make_app, topology, backend_class, client_class
):
    backend = backend_for(make_app, **topology)
    assert type(backend) is backend_class
    assert type(backend.client) is client_class
    assert backend.key_prefix.endswith(":")
    assert backend.namespace
    assert backend.key_prefix.startswith(backend.namespace)


def test_sentinel_reads_from_a_replica_and_writes_to_the_master(make_app):
    backend = backend_for(make_app, CACHE_REDIS_SENTINELS=[("127.0.0.1", 26379)])
    master, replica = backend.client.master, backend.client.replica
    assert master.connection_pool.is_master is True
    assert replica.connection_pool.is_master is False
    assert backend.client.get == replica.get
    assert backend.client.mget == replica.mget
    assert backend.client.exists == replica.exists
    assert backend.client.set == master.set
    assert backend.client.scan_iter == master.scan_iter


def test_tls_verification_can_be_switched_off_for_self_signed_servers():
    settings = load_settings({"REDIS_URL": "rediss://cache.internal:6380/0"})
    assert redis_backend.client_options(settings).get("ssl_cert_reqs") is None
    settings = load_settings(
        {"REDIS_URL": "rediss://cache.internal:6380/0", "REDIS_TLS_VERIFY": "false"}
    )
    assert redis_backend.client_options(settings)["ssl_cert_reqs"] == "none"
    assert redis_backend.rate_limit_storage(settings)[1]["ssl_cert_reqs"] == "none"
    # A plain connection refuses TLS options: none is given.
    settings = load_settings({"REDIS_URL": "redis://cache.internal", "REDIS_TLS_VERIFY": "0"})
    assert "ssl_cert_reqs" not in redis_backend.client_options(settings)
