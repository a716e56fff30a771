"""Cache settings: the shared ones here, the chosen backend's in its own module."""

from typing import Any

from ..env import EnvReader
from .{{ cookiecutter.cache_backend }} import BACKEND_NAME, SHARED_BETWEEN_PROCESSES, backend_settings

__all__ = ["BACKEND_NAME", "SHARED_BETWEEN_PROCESSES", "cache_settings"]


def cache_settings(env: EnvReader, default_prefix: str) -> dict[str, Any]:
    settings: dict[str, Any] = {
        # Every backend is wrapped so that an outage degrades to "no cache", never to a 500.
        "CACHE_TYPE": f"{__name__}.failsafe.create_failsafe_cache",
        "CACHE_DEFAULT_TIMEOUT": env.int("CACHE_DEFAULT_TIMEOUT", 300, minimum=0),
        # One namespace per app, so a shared server can hold several apps and
        # `flask cache clear` removes only this one's keys.
        "CACHE_KEY_PREFIX": env.str("CACHE_KEY_PREFIX", f"{default_prefix}:"),
        "CACHE_OUTAGE_LOG_INTERVAL": env.int("CACHE_OUTAGE_LOG_INTERVAL", 60, minimum=1),
    }
    settings.update(backend_settings(env))
    return settings
