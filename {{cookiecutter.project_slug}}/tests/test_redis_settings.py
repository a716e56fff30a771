"""Redis settings: one server, Sentinel or Cluster; bad values refuse to start."""

import pytest

from {{ cookiecutter.package_name }}.caching import redis as redis_backend
from {{ cookiecutter.package_name }}.settings import ConfigError, load_settings
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
