"""Two cache tiers: a per-process micro-cache in front of the shared backend.

Which data may live in which tier:
- `micro_cache` (this process only, MICRO_CACHE_TIMEOUT seconds): hot data that is the
  same for every visitor and may be a few seconds old after a write, because a write
  clears it only in the process that made it. Example: task statistics.
- `cache` (the backend, shared by every worker): pages and results that must be gone
  for every worker once invalidated, or cost too much to compute once per process.
- neither: anything personal or secret (sessions, tokens, a user's own pages).
"""

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask

from ..extensions import cache, micro_cache

T = TypeVar("T")
NULL_BACKEND = "flask_caching.backends.NullCache"


def micro_cache_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The micro-cache's own config: an in-process SimpleCache, off when caching is off
    or its timeout is 0."""
    enabled = settings["MICRO_CACHE_TIMEOUT"] > 0 and settings["CACHE_BACKEND"] != NULL_BACKEND
    return {
        "CACHE_TYPE": "SimpleCache" if enabled else "NullCache",
        "CACHE_DEFAULT_TIMEOUT": settings["MICRO_CACHE_TIMEOUT"],
        "CACHE_THRESHOLD": 1000,
        "CACHE_NO_NULL_WARNING": True,
    }


def init_cache_tiers(app: Flask) -> None:
    """Both tiers on `app`: the shared cache from the app's config, the micro-cache from
    its own (create_app() calls this; so do the tests that hold our cache to
    Flask-Caching's contract)."""
    cache.init_app(app)
    micro_cache.init_app(app, config=app.config["MICRO_CACHE"])


def two_tier(key: str, load: Callable[[], T]) -> T:
    """The micro-cache's copy of `key`, or `load()` (which reads the shared tier) kept there."""
    value: Any = micro_cache.get(key)
    if value is None:
        value = load()
        micro_cache.set(key, value)
    return value


def forget_locally(key: str) -> None:
    """Drop this process's copy; other processes keep theirs until it expires."""
    micro_cache.delete(key)
