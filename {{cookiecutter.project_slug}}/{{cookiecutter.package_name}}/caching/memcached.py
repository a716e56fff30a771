"""Memcached through python-binary-memcached: pure Python, consistent hashing, SASL.

Heroku's Memcachier add-on sets MEMCACHIER_SERVERS/USERNAME/PASSWORD; those are
used when the MEMCACHED_* variables are not set.
"""

import threading
import time
from typing import Any

from flask import Flask
from flask_caching.backends.memcache import MemcachedCache

from ..env import EnvReader
from .keys import app_namespace, release_prefix

BACKEND_NAME = "memcached"
# Whether every worker process sees the same entries.
SHARED_BETWEEN_PROCESSES = True
# How long a process trusts its copy of the namespace generation (see clear()).
GENERATION_TTL_SECONDS = 5.0
# The binary protocol's status for a failed SASL authentication.
AUTH_FAILURE_STATUS = 0x20


def backend_settings(env: EnvReader) -> dict[str, Any]:
    servers_name = "MEMCACHED_SERVERS" if "MEMCACHED_SERVERS" in env.environ else None
    if servers_name is None and "MEMCACHIER_SERVERS" in env.environ:
        servers_name = "MEMCACHIER_SERVERS"
    servers = env.items(servers_name or "MEMCACHED_SERVERS", ["127.0.0.1:11211"])
    if not servers:
        raise env.error(f"{servers_name} must list at least one host:port.")
    for server in servers:
        host, _, port = server.rpartition(":")
        if not host or not port.isdigit():
            raise env.error(f"{servers_name} entries must be host:port, not {server!r}.")
    credentials_prefix = "MEMCACHIER" if servers_name == "MEMCACHIER_SERVERS" else "MEMCACHED"
    return {
        "CACHE_BACKEND": f"{__name__}.BinaryMemcachedCache",
        "CACHE_MEMCACHED_SERVERS": servers,
        "CACHE_MEMCACHED_USERNAME": env.text(f"{credentials_prefix}_USERNAME", "") or None,
        "CACHE_MEMCACHED_PASSWORD": env.text(f"{credentials_prefix}_PASSWORD", "") or None,
        "MEMCACHED_TIMEOUT": env.number("MEMCACHED_TIMEOUT", 0.5),
    }


def rate_limit_storage(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Flask-Limiter's storage on the same memcached servers (through pymemcache, which
    has no SASL: with a username set, in the app's database instead, limit_storage.py)."""
    if config["CACHE_MEMCACHED_USERNAME"]:
        return "database://", {}
    timeout = config["MEMCACHED_TIMEOUT"]
    servers = ",".join(config["CACHE_MEMCACHED_SERVERS"])
    return f"memcached://{servers}", {"connect_timeout": timeout, "timeout": timeout}


class BinaryMemcachedCache(MemcachedCache):
    """MemcachedCache over bmemcached, with a clear() that touches only this app.

    Memcached cannot list or delete keys by prefix, so every key carries the app's
    namespace generation number; clear() increments it and the old keys of every
    release simply expire.
    """

    namespace = ""
    # The bmemcached client (cachelib keeps its own reference private).
    client: Any = None

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> "BinaryMemcachedCache":
        client = create_client(config)
        kwargs.update(servers=client, key_prefix=release_prefix(config))
        cache = cls(*args, **kwargs)
        cache.client = client
        cache.namespace = app_namespace(config)
        return cache

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._generation: int | None = None
        self._generation_read_at = float("-inf")
        self._generation_lock = threading.Lock()

    @property
    def _generation_key(self) -> str:
        return f"{self.namespace}generation"

    def _current_generation(self) -> int:
        now = time.monotonic()
        with self._generation_lock:
            if self._generation is None or now - self._generation_read_at > GENERATION_TTL_SECONDS:
                stored = self.client.get(self._generation_key)
                if stored is None:
                    self.client.add(self._generation_key, "0", 0)
                    stored = self.client.get(self._generation_key)
                    if stored is None:
                        raise ConnectionError("memcached did not store the namespace generation")
                self._generation = int(stored)
                self._generation_read_at = now
            return self._generation

    # cachelib's hook for every key it sends: pinned in pyproject.toml, checked by
    # tests/test_memcached_settings.py.
    def _normalize_key(self, key: str) -> str:
        return f"{self.key_prefix}{self._current_generation()}:{key}"

    def has(self, key: str) -> bool:
        # cachelib probes with `append`, which bmemcached does not have.
        return self.client.get(self._normalize_key(key)) is not None

    def clear(self) -> bool:
        self._current_generation()
        self.client.incr(self._generation_key, 1)
        with self._generation_lock:
            self._generation = None
        return True


class AuthenticationFailedError(PermissionError):
    pass


def create_client(config: dict[str, Any]) -> "ExplicitErrorsClient":
    """A bmemcached DistributedClient (consistent hashing over MEMCACHED_SERVERS) whose
    connection and authentication failures are raised, not turned into misses."""
    import bmemcached
    from bmemcached.protocol import Protocol

    # bmemcached has no public way to report a failed connection: these hooks into its
    # Protocol and DistributedClient are pinned in pyproject.toml and checked by
    # tests/test_memcached_settings.py.
    class ReportingProtocol(Protocol):
        # Protocol is thread-local: each thread has its own connection and error slot.
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            # No reconnection delay of its own: the fail-safe wrapper's retry interval rules.
            self.set_retry_delay(0)

        def _connection_error(self, exception: Exception) -> None:
            super()._connection_error(exception)
            reason = str(exception) or type(exception).__name__
            failures.error = f"memcached {self.server}: {reason}"

    class ReportingClient(bmemcached.DistributedClient):
        def set_servers(self, servers: list[str]) -> None:
            super().set_servers(servers)
            self._servers = [
                ReportingProtocol(
                    server=server.server,
                    username=self.username,
                    password=self.password,
                    compression=self.compression,
                    socket_timeout=self.socket_timeout,
                    pickle_protocol=self.pickle_protocol,
                    pickler=self.pickler,
                    unpickler=self.unpickler,
                    tls_context=self.tls_context,
                    raw_data=self.raw_data,
                )
                for server in self._servers
            ]

    failures = threading.local()
    client = ReportingClient(
        config["CACHE_MEMCACHED_SERVERS"],
        username=config["CACHE_MEMCACHED_USERNAME"],
        password=config["CACHE_MEMCACHED_PASSWORD"],
        socket_timeout=config["MEMCACHED_TIMEOUT"],
    )
    return ExplicitErrorsClient(client, failures)


class ExplicitErrorsClient:
    """bmemcached answers a dead server with a miss and a bad password with a bare
    "Auth failure"; this raises both as errors that say what happened, so the
    fail-safe wrapper can log the outage and pause (/status says only "down")."""

    def __init__(self, client: Any, failures: threading.local) -> None:
        self._client = client
        self._failures = failures

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute
        call = self._explained(attribute)
        # Kept on the instance: the next lookup finds it without coming here again.
        setattr(self, name, call)
        return call

    def _explained(self, attribute: Any) -> Any:
        from bmemcached.exceptions import MemcachedException

        def call(*args: Any, **kwargs: Any) -> Any:
            self._failures.error = None
            try:
                result = attribute(*args, **kwargs)
            except MemcachedException as error:
                if error.code != AUTH_FAILURE_STATUS:
                    raise
                raise AuthenticationFailedError(
                    "memcached refused the SASL credentials: check MEMCACHED_USERNAME and "
                    f"MEMCACHED_PASSWORD (or MEMCACHIER_*); the server said {error.message!r}"
                ) from error
            if self._failures.error:
                raise ConnectionError(self._failures.error)
            return result

        return call
