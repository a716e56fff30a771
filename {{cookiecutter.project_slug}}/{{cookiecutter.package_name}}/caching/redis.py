"""Redis: one server (REDIS_URL), Sentinel (REDIS_SENTINELS) or Cluster (REDIS_CLUSTER_NODES).

Shared by every worker and machine. Timeouts are explicit and short, and there are no
client-side retries: for a cache, a miss is cheaper than waiting for a sick server.
"""

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_caching.backends.rediscache import RedisCache

from ..env import EnvReader
from .keys import app_namespace, release_prefix

BACKEND_NAME = "redis"
# Whether every worker process sees the same entries.
SHARED_BETWEEN_PROCESSES = True
REDIS_SCHEMES = ("redis", "rediss", "unix")
CLEAR_BATCH_SIZE = 500


def backend_settings(env: EnvReader) -> dict[str, Any]:
    url = env.str("REDIS_URL", "redis://127.0.0.1:6379/0")
    check_redis_url(env, url)
    sentinels = host_ports(env, "REDIS_SENTINELS")
    cluster_nodes = host_ports(env, "REDIS_CLUSTER_NODES")
    if sentinels and cluster_nodes:
        raise env.error("Set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both.")
    return {
        "CACHE_BACKEND": f"{__name__}.PrefixedRedisCache",
        "CACHE_REDIS_URL": url,
        "CACHE_REDIS_SENTINELS": sentinels,
        "CACHE_REDIS_SENTINEL_MASTER": env.str("REDIS_SENTINEL_MASTER", "mymaster"),
        "CACHE_REDIS_CLUSTER_NODES": cluster_nodes,
        # For Sentinel and Cluster, which have no URL to carry them.
        "CACHE_REDIS_PASSWORD": env.str("REDIS_PASSWORD", "") or None,
        "CACHE_REDIS_SENTINEL_PASSWORD": env.str("REDIS_SENTINEL_PASSWORD", "") or None,
        "CACHE_REDIS_DB": env.int("REDIS_DB", 0, minimum=0),
        "CACHE_REDIS_SSL": env.bool("REDIS_SSL", False),
        "REDIS_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", 0.5),
        "REDIS_READ_TIMEOUT": env.float("REDIS_READ_TIMEOUT", 0.5),
    }


def rate_limit_storage(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Flask-Limiter's storage on the same Redis topology, with the same short timeouts."""
    options: dict[str, Any] = {
        "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"],
        "socket_timeout": config["REDIS_READ_TIMEOUT"],
    }
    sentinels = config["CACHE_REDIS_SENTINELS"]
    nodes = config["CACHE_REDIS_CLUSTER_NODES"]
    if sentinels or nodes:
        if config["CACHE_REDIS_PASSWORD"]:
            options["password"] = config["CACHE_REDIS_PASSWORD"]
        if config["CACHE_REDIS_SSL"]:
            options["ssl"] = True
    if sentinels:
        hosts = ",".join(f"{host}:{port}" for host, port in sentinels)
        options["db"] = config["CACHE_REDIS_DB"]
        if config["CACHE_REDIS_SENTINEL_PASSWORD"]:
            options["sentinel_kwargs"] = {"password": config["CACHE_REDIS_SENTINEL_PASSWORD"]}
        return f"redis+sentinel://{hosts}/{config['CACHE_REDIS_SENTINEL_MASTER']}", options
    if nodes:
        return "redis+cluster://" + ",".join(f"{host}:{port}" for host, port in nodes), options
    return config["CACHE_REDIS_URL"], options


def check_redis_url(env: EnvReader, url: str) -> None:
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in REDIS_SCHEMES or not (parts.hostname or parts.path) or not port_ok:
        raise env.error(
            f"REDIS_URL must look like redis://host:6379/0 (or rediss://, unix://), not {url!r}."
        )


def host_ports(env: EnvReader, name: str) -> list[tuple[str, int]]:
    pairs = []
    for entry in env.list(name, []):
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            raise env.error(f"{name} must list host:port entries, not {entry!r}.")
        pairs.append((host, int(port)))
    return pairs


def build_client(config: dict[str, Any]) -> Any:
    """The redis-py client for the configured topology."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    options = {
        "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"],
        "socket_timeout": config["REDIS_READ_TIMEOUT"],
        "retry": Retry(NoBackoff(), 0),
    }
    if config["CACHE_REDIS_SENTINELS"]:
        from redis.sentinel import Sentinel

        sentinel = Sentinel(
            config["CACHE_REDIS_SENTINELS"],
            sentinel_kwargs={**options, "password": config["CACHE_REDIS_SENTINEL_PASSWORD"]},
            password=config["CACHE_REDIS_PASSWORD"],
            db=config["CACHE_REDIS_DB"],
            ssl=config["CACHE_REDIS_SSL"],
            **options,
        )
        # Asks the sentinels for the current master on (re)connect: fail-over is followed.
        return sentinel.master_for(config["CACHE_REDIS_SENTINEL_MASTER"])
    if config["CACHE_REDIS_CLUSTER_NODES"]:
        from redis.cluster import ClusterNode, RedisCluster

        nodes = [ClusterNode(host, port) for host, port in config["CACHE_REDIS_CLUSTER_NODES"]]
        return LazyClient(
            lambda: RedisCluster(
                startup_nodes=nodes,
                password=config["CACHE_REDIS_PASSWORD"],
                ssl=config["CACHE_REDIS_SSL"],
                **options,
            )
        )
    return redis.from_url(config["CACHE_REDIS_URL"], **options)


class LazyClient:
    """Builds its client on first use, and again after a failed build.

    RedisCluster connects to discover the cluster while it is constructed; built
    lazily, a cluster that is down at start-up is an outage like any other instead
    of an app that cannot start.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def client(self) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._build()
        return self._client

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


class PrefixedRedisCache(RedisCache):
    """RedisCache with this release's key prefix, whose clear() removes only this app's keys."""

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> "PrefixedRedisCache":
        kwargs.update(host=build_client(config), key_prefix=release_prefix(config))
        cache = cls(*args, **kwargs)
        cache.namespace = app_namespace(config)
        cache.is_cluster = bool(config["CACHE_REDIS_CLUSTER_NODES"])
        return cache

    namespace = ""
    is_cluster = False

    def get_many(self, *keys: str) -> list[Any]:
        if not self.is_cluster:
            return super().get_many(*keys)
        # MGET needs every key in one hash slot; the cluster client splits it per slot.
        prefixed = [self._get_prefix() + key for key in keys]
        values = self._read_client.mget_nonatomic(prefixed)
        return [self.serializer.loads(value) for value in values]

    def clear(self) -> bool:
        # SCAN instead of KEYS or FLUSHDB: other apps may share this database. Every
        # release of this app goes, so a clear after a deploy leaves nothing stale.
        pattern = _escape_glob(self.namespace or self._get_prefix()) + "*"
        batch = []
        for key in self._write_client.scan_iter(match=pattern, count=CLEAR_BATCH_SIZE):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH_SIZE:
                self._write_client.delete(*batch)
                batch.clear()
        if batch:
            self._write_client.delete(*batch)
        return True


def _escape_glob(text: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)
