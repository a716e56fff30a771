"""NullCache: caching switched off; every lookup misses. Useful while debugging."""

from typing import Any

from ..env import EnvReader

BACKEND_NAME = "null"


def backend_settings(env: EnvReader) -> dict[str, Any]:
    return {"CACHE_BACKEND": "flask_caching.backends.NullCache"}
