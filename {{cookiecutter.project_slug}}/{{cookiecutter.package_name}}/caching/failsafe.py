"""Keep serving when the cache backend fails: every call degrades to a cache miss.

Flask-Caching only guards its decorators, and re-raises in debug mode; this wrapper
guards every call, including direct `cache.get/set/delete`, and logs an outage once
per interval instead of once per request.
"""

import logging
import threading
import time
from typing import Any

from flask import Flask
from flask_caching.backends.base import BaseCache
from werkzeug.utils import import_string

logger = logging.getLogger(__name__)


def create_failsafe_cache(
    app: Flask, config: dict[str, Any], args: list[Any], options: dict[str, Any]
) -> "FailSafeCache":
    """Flask-Caching factory: build the configured backend, then wrap it."""
    backend_class = import_string(config["CACHE_BACKEND"])
    backend = backend_class.factory(app, config, args, options)
    return FailSafeCache(backend, config["CACHE_OUTAGE_LOG_INTERVAL"])


class FailSafeCache(BaseCache):
    def __init__(self, backend: BaseCache, log_interval: float) -> None:
        super().__init__(default_timeout=backend.default_timeout)
        self.backend = backend
        self.log_interval = log_interval
        self.available = True
        self._last_report = float("-inf")
        self._lock = threading.Lock()

    def _call(self, method: str, fallback: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            result = getattr(self.backend, method)(*args, **kwargs)
        except Exception as error:  # any backend or serialisation failure is a miss
            self._report_failure(method, error)
            return fallback
        if not self.available:
            self._report_recovery()
        return result

    def _report_failure(self, method: str, error: Exception) -> None:
        now = time.monotonic()
        with self._lock:
            self.available = False
            if now - self._last_report < self.log_interval:
                return
            self._last_report = now
        logger.error(
            "Cache backend %s failed (%s: %s); serving without cache. "
            "Next report in %ss at the earliest.",
            type(self.backend).__name__,
            type(error).__name__,
            error,
            self.log_interval,
            extra={"cache_method": method},
        )

    def _report_recovery(self) -> None:
        with self._lock:
            if self.available:
                return
            self.available = True
            self._last_report = float("-inf")
        logger.warning("Cache backend %s answers again.", type(self.backend).__name__)

    def get(self, key: str) -> Any:
        return self._call("get", None, key)

    def get_many(self, *keys: str) -> list[Any]:
        return self._call("get_many", [None] * len(keys), *keys)

    def get_dict(self, *keys: str) -> dict[str, Any]:
        return self._call("get_dict", dict.fromkeys(keys), *keys)

    def has(self, key: str) -> bool:
        return self._call("has", False, key)

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._call("set", False, key, value, timeout=timeout)

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self._call("add", False, key, value, timeout=timeout)

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        return self._call("set_many", [], mapping, timeout=timeout)

    def delete(self, key: str) -> bool:
        return self._call("delete", False, key)

    def delete_many(self, *keys: str) -> list[Any]:
        return self._call("delete_many", [], *keys)

    def inc(self, key: str, delta: int = 1) -> int | None:
        return self._call("inc", None, key, delta=delta)

    def dec(self, key: str, delta: int = 1) -> int | None:
        return self._call("dec", None, key, delta=delta)

    def clear(self) -> bool:
        return self._call("clear", False)
