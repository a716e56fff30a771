"""Redis: shared by every worker and machine; explicit timeouts so an outage stays short."""

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_caching.backends.rediscache import RedisCache

from ..env import EnvReader

BACKEND_NAME = "redis"
# Whether every worker process sees the same entries.
SHARED_BETWEEN_PROCESSES = True
REDIS_SCHEMES = ("redis", "rediss", "unix")
CLEAR_BATCH_SIZE = 500


def backend_settings(env: EnvReader) -> dict[str, Any]:
    url = env.str("REDIS_URL", "redis://127.0.0.1:6379/0")
    parts = urlsplit(url)
    if parts.scheme not in REDIS_SCHEMES or not (parts.hostname or parts.path):
        raise env.error(
            f"REDIS_URL must look like redis://host:6379/0 (or rediss://, unix://), not {url!r}."
        )
    return {
        "CACHE_BACKEND": f"{__name__}.PrefixedRedisCache",
        "CACHE_REDIS_URL": url,
        "REDIS_CONNECT_TIMEOUT": env.float("REDIS_CONNECT_TIMEOUT", 0.5),
        "REDIS_READ_TIMEOUT": env.float("REDIS_READ_TIMEOUT", 0.5),
    }


class PrefixedRedisCache(RedisCache):
    """RedisCache whose clear() deletes only this app's keys, without blocking Redis."""

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> "PrefixedRedisCache":
        import redis

        client = redis.from_url(
            config["CACHE_REDIS_URL"],
            socket_connect_timeout=config["REDIS_CONNECT_TIMEOUT"],
            socket_timeout=config["REDIS_READ_TIMEOUT"],
        )
        kwargs.update(host=client, key_prefix=config["CACHE_KEY_PREFIX"])
        return cls(*args, **kwargs)

    def clear(self) -> bool:
        # SCAN instead of KEYS or FLUSHDB: other apps may share this database.
        pattern = _escape_glob(self.key_prefix) + "*"
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
