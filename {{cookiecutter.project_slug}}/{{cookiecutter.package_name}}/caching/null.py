"""NullCache: caching switched off; every lookup misses. Useful while debugging."""

from typing import Any

from ..env import EnvReader

BACKEND_NAME = "null"
# Whether every worker process sees the same entries.
SHARED_BETWEEN_PROCESSES = False


def backend_settings(env: EnvReader) -> dict[str, Any]:
    return {"CACHE_BACKEND": "flask_caching.backends.NullCache"}


def rate_limit_storage(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Flask-Limiter's storage: the app's database (limit_storage.py), which every worker
    and machine shares."""
    return "database://", {}
