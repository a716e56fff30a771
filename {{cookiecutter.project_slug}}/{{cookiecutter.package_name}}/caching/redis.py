"""Redis: one server (REDIS_URL), Sentinel (REDIS_SENTINELS) or Cluster (REDIS_CLUSTER_NODES).

Shared by every worker and machine. Timeouts are explicit and short, and there are no
client-side retries: for a cache, a miss is cheaper than waiting for a sick server.
Every topology is Flask-Caching's RedisCache over a redis-py client built here: one server
from REDIS_URL; Sentinel's master, with reads from a replica when there is one (as
Flask-Caching's RedisSentinelCache does); Cluster connected on first use, because
RedisClusterCache connects while it is constructed and this app must start without it.
The cache keeps that client, which clear() uses too.
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
# The options the sentinels' own connections get too.
SENTINEL_OPTIONS = ("socket_connect_timeout", "socket_timeout", "retry")


def backend_settings(env: EnvReader) -> dict[str, Any]:
    url = env.text("REDIS_URL", "redis://127.0.0.1:6379/0")
    check_redis_url(env, url)
    sentinels = host_ports(env, "REDIS_SENTINELS")
    cluster_nodes = host_ports(env, "REDIS_CLUSTER_NODES")
    if sentinels and cluster_nodes:
        raise env.error("Set REDIS_SENTINELS or REDIS_CLUSTER_NODES, not both.")
    return {
        "CACHE_BACKEND": f"{__name__}.PrefixedRedisCache",
        "CACHE_REDIS_URL": url,
        "CACHE_REDIS_SENTINELS": sentinels,
        "CACHE_REDIS_SENTINEL_MASTER": env.text("REDIS_SENTINEL_MASTER", "mymaster"),
        "CACHE_REDIS_CLUSTER_NODES": cluster_nodes,
        # For Sentinel and Cluster, which have no URL to carry them.
        "CACHE_REDIS_PASSWORD": env.text("REDIS_PASSWORD", "") or None,
        "CACHE_REDIS_SENTINEL_PASSWORD": env.text("REDIS_SENTINEL_PASSWORD", "") or None,
        "CACHE_REDIS_DB": env.integer("REDIS_DB", 0, minimum=0),
        "CACHE_REDIS_SSL": env.flag("REDIS_SSL", False),
        # false for servers with a self-signed certificate (Heroku Key-Value Store).
        "REDIS_TLS_VERIFY": env.flag("REDIS_TLS_VERIFY", True),
        "REDIS_CONNECT_TIMEOUT": env.number("REDIS_CONNECT_TIMEOUT", 0.5),
        "REDIS_READ_TIMEOUT": env.number("REDIS_READ_TIMEOUT", 0.5),
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
    options.update(tls_options(config))
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
    for entry in env.items(name, []):
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit():
            raise env.error(f"{name} must list host:port entries, not {entry!r}.")
        pairs.append((host, int(port)))
    return pairs


def uses_tls(config: dict[str, Any]) -> bool:
    if config["CACHE_REDIS_SENTINELS"] or config["CACHE_REDIS_CLUSTER_NODES"]:
        return config["CACHE_REDIS_SSL"]
    return config["CACHE_REDIS_URL"].startswith("rediss://")


def tls_options(config: dict[str, Any]) -> dict[str, Any]:
    """Certificate checking off only when asked; plain connections refuse the option."""
    if uses_tls(config) and not config["REDIS_TLS_VERIFY"]:
        return {"ssl_cert_reqs": "none"}
    return {}


def client_options(config: dict[str, Any]) -> dict[str, Any]:
    """The redis-py options of every cache connection."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {
        "socket_connect_timeout": config["REDIS_CONNECT_TIMEOUT"],
        "socket_timeout": config["REDIS_READ_TIMEOUT"],
        "retry": Retry(NoBackoff(), 0),
        **tls_options(config),
    }


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


class ReadsFromReplicas:
    """A redis-py client for RedisCache whose reads (GET, MGET, EXISTS) go to a replica
    and everything else to the master, as Flask-Caching's RedisSentinelCache does."""

    READS = frozenset({"get", "mget", "exists"})

    def __init__(self, master: Any, replica: Any) -> None:
        self.master = master
        self.replica = replica

    def __getattr__(self, name: str) -> Any:
        return getattr(self.replica if name in self.READS else self.master, name)


def single_server_client(config: dict[str, Any]) -> Any:
    from redis import from_url

    # As Flask-Caching does it: the URL's database, else REDIS_DB.
    url, options = config["CACHE_REDIS_URL"], client_options(config)
    return from_url(url, db=config["CACHE_REDIS_DB"], **options)


def sentinel_client(config: dict[str, Any]) -> ReadsFromReplicas:
    """Asks the sentinels for the current master on (re)connect: fail-over is followed."""
    from redis.sentinel import Sentinel

    options = {**client_options(config), "ssl": config["CACHE_REDIS_SSL"]}
    # The sentinels' own connections get the same timeouts, and their own password.
    sentinel_options = {name: options[name] for name in SENTINEL_OPTIONS}
    if config["CACHE_REDIS_SENTINEL_PASSWORD"]:
        sentinel_options["password"] = config["CACHE_REDIS_SENTINEL_PASSWORD"]
    sentinel = Sentinel(
        config["CACHE_REDIS_SENTINELS"],
        sentinel_kwargs=sentinel_options,
        password=config["CACHE_REDIS_PASSWORD"],
        db=config["CACHE_REDIS_DB"],
        **options,
    )
    master = config["CACHE_REDIS_SENTINEL_MASTER"]
    return ReadsFromReplicas(sentinel.master_for(master), sentinel.slave_for(master))


def cluster_client(config: dict[str, Any]) -> LazyClient:
    from redis.cluster import ClusterNode, RedisCluster

    nodes = [ClusterNode(host, port) for host, port in config["CACHE_REDIS_CLUSTER_NODES"]]
    return LazyClient(
        lambda: RedisCluster(
            startup_nodes=nodes,
            password=config["CACHE_REDIS_PASSWORD"],
            ssl=config["CACHE_REDIS_SSL"],
            **client_options(config),
        )
    )


class PrefixedRedisCache(RedisCache):
    """The CACHE_BACKEND of every topology: Flask-Caching's RedisCache over a client
    built here for the topology the settings name (RedisCache takes any redis-py
    client), with this release's key prefix, and a clear() that removes only this
    app's keys through the same client."""

    def __init__(self, client: Any, namespace: str = "", **options: Any) -> None:
        super().__init__(host=client, **options)
        self.client = client
        self.namespace = namespace

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> "PrefixedRedisCache":
        if config["CACHE_REDIS_SENTINELS"]:
            backend_class, client = cls, sentinel_client(config)
        elif config["CACHE_REDIS_CLUSTER_NODES"]:
            backend_class, client = PrefixedClusterCache, cluster_client(config)
        else:
            backend_class, client = cls, single_server_client(config)
        return backend_class(
            client, app_namespace(config), key_prefix=release_prefix(config), **kwargs
        )

    def clear(self) -> bool:
        # SCAN instead of KEYS or FLUSHDB: other apps may share this database. Every
        # release of this app goes, so a clear after a deploy leaves nothing stale.
        pattern = _escape_glob(self.namespace or self.key_prefix) + "*"
        batch = []
        for key in self.client.scan_iter(match=pattern, count=CLEAR_BATCH_SIZE):
            batch.append(key)
            if len(batch) >= CLEAR_BATCH_SIZE:
                self.client.delete(*batch)
                batch.clear()
        if batch:
            self.client.delete(*batch)
        return True


class PrefixedClusterCache(PrefixedRedisCache):
    """Redis Cluster, connected on first use (see LazyClient)."""

    def get_many(self, *keys: str) -> list[Any]:
        # MGET needs every key in one hash slot; the cluster client splits it per slot.
        values = self.client.mget_nonatomic([self.key_prefix + key for key in keys])
        return [self.serializer.loads(value) for value in values]


def _escape_glob(text: str) -> str:
    return "".join("\\" + char if char in "*?[]\\" else char for char in text)
