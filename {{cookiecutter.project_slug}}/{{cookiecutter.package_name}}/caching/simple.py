"""SimpleCache: a dict in each process. Not shared between gunicorn workers."""

from typing import Any

from ..env import EnvReader

BACKEND_NAME = "simple"
# Whether every worker process sees the same entries.
SHARED_BETWEEN_PROCESSES = False


def backend_settings(env: EnvReader) -> dict[str, Any]:
    return {
        "CACHE_BACKEND": "flask_caching.backends.SimpleCache",
        "CACHE_THRESHOLD": env.integer("CACHE_THRESHOLD", 500, minimum=1),
    }


def rate_limit_storage(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Flask-Limiter's storage: the app's database (limit_storage.py), which every worker
    and machine shares and this cache does not."""
    return "database://", {}
