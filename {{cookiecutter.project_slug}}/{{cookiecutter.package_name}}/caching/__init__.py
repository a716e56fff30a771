"""Cache settings: the shared ones here, the chosen backend's in its own module."""

from typing import Any

from ..env import EnvReader
from .{{ cookiecutter.cache_backend }} import (
    BACKEND_NAME,
    SHARED_BETWEEN_PROCESSES,
    backend_settings,
    rate_limit_storage,
)

__all__ = ["BACKEND_NAME", "SHARED_BETWEEN_PROCESSES", "cache_settings", "rate_limit_storage"]


def cache_settings(env: EnvReader, default_prefix: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        # Every backend is wrapped so that an outage degrades to "no cache", never to a 500.
        "CACHE_TYPE": f"{__name__}.failsafe.create_failsafe_cache",
        "CACHE_DEFAULT_TIMEOUT": env.integer("CACHE_DEFAULT_TIMEOUT", 300, minimum=0),
        # One namespace per app, so a shared server can hold several apps and
        # `flask cache clear` removes only this one's keys (see keys.py).
        "CACHE_KEY_PREFIX": env.token("CACHE_KEY_PREFIX", f"{default_prefix}:"),
        "CACHE_OUTAGE_LOG_INTERVAL": env.integer("CACHE_OUTAGE_LOG_INTERVAL", 60, minimum=1),
        # After a failure, skip the backend for this long: a dead or silent server
        # then costs one timeout per interval, not one per request.
        "CACHE_RETRY_INTERVAL": env.number("CACHE_RETRY_INTERVAL", 5.0),
        # The per-process tier in front of the backend for hot, public data (tiers.py)
        # and whole pages (front.py).
        "MICRO_CACHE_TIMEOUT": env.integer("MICRO_CACHE_TIMEOUT", 5, minimum=0),
        # The page cache's per-process tier holds at most this many pages and bytes.
        "PAGE_CACHE_LOCAL_PAGES": env.integer("PAGE_CACHE_LOCAL_PAGES", 256, minimum=1),
        "PAGE_CACHE_LOCAL_BYTES": env.integer("PAGE_CACHE_LOCAL_BYTES", 16 * 2**20, minimum=0),
        # While another worker renders a missing page, wait at most this long for it.
        "PAGE_CACHE_WAIT": env.number("PAGE_CACHE_WAIT", 2.0),
        # Browsers and proxies may keep public pages this long (http_caching.py).
        "HTTP_CACHE_MAX_AGE": env.integer("HTTP_CACHE_MAX_AGE", 60, minimum=0),
        # Stampede protection of expensive computations (stampede.py).
        "STATISTICS_FRESH_FOR": env.integer("STATISTICS_FRESH_FOR", 60, minimum=1),
    }
    settings.update(backend_settings(env))
    return settings
