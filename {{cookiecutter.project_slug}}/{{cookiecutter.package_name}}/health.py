"""Health checks of the services the app uses, for GET /status."""

import secrets
from typing import Any

from flask_caching.backends import NullCache
from sqlalchemy import text

from .caching import BACKEND_NAME
from .extensions import cache, db

PROBE_KEY = "status-probe"


def check_database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:
        db.session.rollback()
        return {"ok": False, "error": f"{type(error).__name__}: {error}".splitlines()[0]}
    return {"ok": True}


def check_cache() -> dict[str, Any]:
    """Write and read back a probe key on the backend itself, bypassing the fail-safe."""
    backend = cache.cache.backend
    if isinstance(backend, NullCache):
        # Any project can switch caching off this way while debugging.
        return {"ok": True, "backend": BACKEND_NAME, "detail": "caching is switched off"}
    token = secrets.token_hex(8)
    try:
        stored = backend.set(PROBE_KEY, token, timeout=10)
        answered = backend.get(PROBE_KEY)
    except Exception as error:
        return {"ok": False, "backend": BACKEND_NAME, "error": f"{type(error).__name__}: {error}"}
    if not stored or answered != token:
        return {"ok": False, "backend": BACKEND_NAME, "error": "the probe key was not stored"}
    return {"ok": True, "backend": BACKEND_NAME}


def collect_status() -> dict[str, Any]:
    database = check_database()
    cache_state = check_cache()
    if not database["ok"]:
        overall = "down"
    elif not cache_state["ok"]:
        overall = "degraded"
    else:
        overall = "ok"
    return {"status": overall, "database": database, "cache": cache_state}
