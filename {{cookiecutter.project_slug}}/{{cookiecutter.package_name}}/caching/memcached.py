"""Memcached through python-binary-memcached: pure Python, consistent hashing, SASL.

Heroku's Memcachier add-on sets MEMCACHIER_SERVERS/USERNAME/PASSWORD; those are
used when the MEMCACHED_* variables are not set.
"""

import hashlib
import logging
import re
import threading
import time
from typing import Any

from cachelib.serializers import BaseSerializer, SimpleSerializer
from flask import Flask
from flask_caching.backends.base import BaseCache

from ..env import EnvReader
from .keys import app_namespace, release_prefix

logger = logging.getLogger(__name__)

BACKEND_NAME = "memcached"
# Whether every worker process sees the same entries.
SHARED_BETWEEN_PROCESSES = True
# How long a process trusts its copy of the namespace generation (see clear()).
GENERATION_TTL_SECONDS = 5.0
# The binary protocol's status for a failed SASL authentication.
AUTH_FAILURE_STATUS = 0x20
# ... and for a value over the server's item size limit (1 MB unless memcached -I).
VALUE_TOO_LARGE_STATUS = 0x03
# The keys memcached takes: 1 to 250 bytes, none of them a space or a control character.
MEMCACHED_KEY = re.compile(r"[\x21-\x7e]{1,250}")
# Memcached reads a larger expiry as a Unix time.
RELATIVE_EXPIRY_LIMIT = 30 * 24 * 3600


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


class BinaryMemcachedCache(BaseCache):
    """Flask-Caching's backend API over bmemcached's public client API, with a clear()
    that touches only this app.

    Memcached cannot list or delete keys by prefix, so every key carries the app's
    namespace generation number; clear() increments it and the old keys of every
    release simply expire. Values are written by `serializer` (Flask-Caching's
    CACHE_SERIALIZER), so a stored None is a hit like any other value.
    """

    def __init__(
        self,
        client: Any,
        key_prefix: str = "",
        namespace: str = "",
        default_timeout: int = 300,
        ignore_delete_many_errors: bool = False,
    ) -> None:
        super().__init__(default_timeout, ignore_delete_many_errors)
        self.client = client  # the bmemcached client (create_client)
        self.key_prefix = key_prefix  # this release's keys
        self.namespace = namespace  # every release's keys (clear)
        self.serializer: BaseSerializer = SimpleSerializer()
        self._generation: int | None = None
        self._generation_read_at = float("-inf")
        self._generation_lock = threading.Lock()

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> "BinaryMemcachedCache":
        client = create_client(config)
        return cls(client, release_prefix(config), app_namespace(config), **kwargs)

    # Keys and timeouts as memcached takes them

    def server_key(self, key: str) -> str:
        """The key memcached stores for `key`: the release prefix and the namespace
        generation in front (see clear())."""
        return memcached_key(f"{self.key_prefix}{self._current_generation()}:{key}")

    def expiry(self, timeout: int | None) -> int:
        """Memcached's expiry: seconds from now up to 30 days (the server's own clock
        counts them, whatever this machine's clock says), a Unix time beyond."""
        seconds = self.default_timeout if timeout is None else int(timeout)
        return seconds + int(time.time()) if seconds > RELATIVE_EXPIRY_LIMIT else seconds

    @property
    def _generation_key(self) -> str:
        return memcached_key(f"{self.namespace}generation")

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

    # Values: written by the serializer, stored as bytes

    def _dumps(self, value: Any) -> bytes:
        return self.serializer.dumps(value)

    def _loads(self, stored: Any) -> Any:
        # Anything but bytes was not written by this class: a miss.
        return self.serializer.loads(stored) if isinstance(stored, bytes) else None

    def _store(self, command: str, key: str, value: Any, timeout: int | None) -> bool:
        data = self._dumps(value)
        try:
            stored = getattr(self.client, command)(self.server_key(key), data, self.expiry(timeout))
        except Exception as error:
            from bmemcached.exceptions import MemcachedException

            if isinstance(error, MemcachedException) and error.code == VALUE_TOO_LARGE_STATUS:
                # Over the server's item size limit: not cached, and no outage.
                logger.warning("Not cached: memcached refused %d bytes as too large.", len(data))
                return False
            raise
        return bool(stored)

    # Flask-Caching's backend API

    def get(self, key: str) -> Any:
        return self._loads(self.client.get(self.server_key(key)))

    def get_many(self, *keys: str) -> list[Any]:
        found = self.get_dict(*keys)
        return [found[key] for key in keys]

    def get_dict(self, *keys: str) -> dict[str, Any]:
        server_keys = {key: self.server_key(key) for key in keys}
        stored = self.client.get_multi(list(set(server_keys.values()))) if keys else {}
        return {key: self._loads(stored.get(server_key)) for key, server_key in server_keys.items()}

    def has(self, key: str) -> bool:
        # A key holding None is there: ask for its CAS value, which only a stored key has.
        return self.client.gets(self.server_key(key))[1] is not None

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._store("set", key, value, timeout)

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._store("add", key, value, timeout)

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        server_keys = {key: self.server_key(key) for key in mapping}
        values = {server_keys[key]: self._dumps(value) for key, value in mapping.items()}
        failed = set(self.client.set_multi(values, self.expiry(timeout)))
        return [key for key, server_key in server_keys.items() if server_key not in failed]

    def delete(self, key: str) -> bool:
        return bool(self.client.delete(self.server_key(key)))

    def delete_many(self, *keys: str) -> list[Any]:
        # memcached answers a delete of a missing key as done, like the other backends.
        if keys and not self.client.delete_multi([self.server_key(key) for key in keys]):
            if not self.ignore_delete_many_errors:
                raise RuntimeError(f"memcached did not delete every one of {list(keys)}")
            return [key for key in keys if not self.has(key)]
        return list(keys)

    def inc(self, key: str, delta: int = 1) -> int | None:
        value = (self.get(key) or 0) + delta
        return value if self.set(key, value) else None

    def dec(self, key: str, delta: int = 1) -> int | None:
        return self.inc(key, -delta)

    def clear(self) -> bool:
        self._current_generation()
        self.client.incr(self._generation_key, 1)
        with self._generation_lock:
            self._generation = None
        return True


def memcached_key(key: str) -> str:
    """`key` if memcached takes it as it is (at most 250 bytes, printable ASCII without
    spaces), else a key it takes: the SHA-256 of `key` (no collision with a key kept as
    it is: those always hold a ':', a digest never does)."""
    if MEMCACHED_KEY.fullmatch(key):
        return key
    return "#" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class AuthenticationFailedError(PermissionError):
    pass


def create_client(config: dict[str, Any]) -> "ExplicitErrorsClient":
    """A bmemcached DistributedClient (consistent hashing over MEMCACHED_SERVERS) whose
    connection and authentication failures are raised, not turned into misses."""
    import bmemcached
    from bmemcached.protocol import Protocol

    # bmemcached has no public way to report a failed connection: these hooks into its
    # Protocol and DistributedClient are checked by tests/test_memcached_settings.py.
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
