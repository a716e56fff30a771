"""Keep serving when the cache backend fails: every call degrades to a cache miss.

Flask-Caching only guards its decorators, and re-raises in debug mode; this wrapper
guards every call, including direct `cache.get/set/delete`. An outage is logged once
per interval instead of once per request, and after a failure the backend is left
alone for CACHE_RETRY_INTERVAL seconds, so a dead or silent server costs at most one
timeout per interval. A value that cannot be serialised is simply not cached.

The backend's serializer is the wrapper's: Flask-Caching's CACHE_SERIALIZER reaches the
backend through it (and warns, as for any backend without one, when there is none).
"""

import logging
import pickle
import time
from collections.abc import Callable
from typing import Any

from cachelib.serializers import BaseSerializer
from flask import Flask
from flask_caching.backends.base import BaseCache
from werkzeug.utils import import_string

from ..outages import OutageLog, RetryPause

logger = logging.getLogger(__name__)


def create_failsafe_cache(
    app: Flask, config: dict[str, Any], args: list[Any], options: dict[str, Any]
) -> "FailSafeCache":
    """Flask-Caching factory: build the configured backend, then wrap it."""
    backend_class = import_string(config["CACHE_BACKEND"])
    backend = backend_class.factory(app, config, args, options)
    if hasattr(backend, "serializer"):
        backend.serializer = RefusingSerializer(backend.serializer)
    return FailSafeCache(
        backend, config["CACHE_OUTAGE_LOG_INTERVAL"], config["CACHE_RETRY_INTERVAL"]
    )


def is_serialisable(value: Any) -> bool:
    try:
        pickle.dumps(value)
    except Exception:
        return False
    return True


class UnserialisableValueError(ValueError):
    pass


class RefusingSerializer(BaseSerializer):
    """A backend's serializer that refuses what it cannot serialise. cachelib's serializers
    answer such a value with None, which SimpleCache would keep and RedisCache send, only
    to fail at the next read, as if the server were down."""

    def __init__(self, serializer: BaseSerializer) -> None:
        self.serializer = serializer

    def dumps(self, value: Any, *args: Any, **kwargs: Any) -> bytes:
        data = self.serializer.dumps(value, *args, **kwargs)
        if data is None:
            raise UnserialisableValueError(f"{type(self.serializer).__name__} answered None")
        return data

    def loads(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        return self.serializer.loads(data, *args, **kwargs)

    def dump(self, value: Any, file: Any, *args: Any, **kwargs: Any) -> None:
        self.serializer.dump(value, file, *args, **kwargs)

    def load(self, file: Any, *args: Any, **kwargs: Any) -> Any:
        return self.serializer.load(file, *args, **kwargs)


class FailSafeCache(BaseCache):
    def __init__(
        self,
        backend: BaseCache,
        log_interval: float,
        retry_interval: float = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(default_timeout=backend.default_timeout)
        self.backend = backend
        self.clock = clock  # tests replace it to move time on without waiting
        self.outages = OutageLog(logger, log_interval, clock=lambda: self.clock())
        self.pause = RetryPause(retry_interval, clock=lambda: self.clock())

    @property
    def available(self) -> bool:
        return not self.outages.down

    @property
    def serializer(self) -> BaseSerializer:
        """The backend's serializer (AttributeError when it has none, like NullCache)."""
        serializer = self.backend.serializer
        return serializer.serializer if isinstance(serializer, RefusingSerializer) else serializer

    @serializer.setter
    def serializer(self, serializer: BaseSerializer) -> None:
        if not hasattr(self.backend, "serializer"):
            raise AttributeError(f"{type(self.backend).__name__} has no serializer")
        self.backend.serializer = RefusingSerializer(serializer)

    def _call(
        self,
        method: str,
        fallback: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any] | None = None,
        values: tuple[Any, ...] = (),
    ) -> Any:
        if not self.available and not self.pause.allows():
            return fallback
        try:
            result = getattr(self.backend, method)(*args, **(kwargs or {}))
        except Exception as error:
            if isinstance(error, UnserialisableValueError) or (
                values and not all(is_serialisable(value) for value in values)
            ):
                # The value's fault, not the server's: no outage to report.
                logger.warning(
                    "Not cached: a value given to cache.%s cannot be serialised (%s: %s).",
                    method,
                    type(error).__name__,
                    error,
                )
            else:
                self._report_failure(method, error)
            return fallback
        if not self.available:
            self._report_recovery()
        return result

    def _report_failure(self, method: str, error: Exception) -> None:
        self.pause.failed()
        self.outages.failure(
            f"Cache backend {type(self.backend).__name__} failed in {method}(); "
            "serving without cache",
            error,
        )

    def _report_recovery(self) -> None:
        self.outages.recovery(f"Cache backend {type(self.backend).__name__} answers again.")

    def get(self, key: str) -> Any:
        return self._call("get", None, (key,))

    def get_many(self, *keys: str) -> list[Any]:
        return self._call("get_many", [None] * len(keys), keys)

    def get_dict(self, *keys: str) -> dict[str, Any]:
        return self._call("get_dict", dict.fromkeys(keys), keys)

    def has(self, key: str) -> bool:
        return self._call("has", False, (key,))

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._call("set", False, (key, value), {"timeout": timeout}, (value,))

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._call("add", False, (key, value), {"timeout": timeout}, (value,))

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        values = tuple(mapping.values())
        return self._call("set_many", [], (mapping,), {"timeout": timeout}, values)

    def delete(self, key: str) -> bool:
        return self._call("delete", False, (key,))

    def delete_many(self, *keys: str) -> list[Any]:
        return self._call("delete_many", [], keys)

    def inc(self, key: str, delta: int = 1) -> int | None:
        return self._call("inc", None, (key,), {"delta": delta})

    def dec(self, key: str, delta: int = 1) -> int | None:
        return self._call("dec", None, (key,), {"delta": delta})

    def clear(self) -> bool:
        return self._call("clear", False, ())
