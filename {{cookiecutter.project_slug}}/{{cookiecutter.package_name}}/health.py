"""Health checks of the services the app uses, for GET /status."""
{% if cookiecutter.cache_backend != "null" %}
import secrets
{%- endif %}
from typing import Any

from sqlalchemy import text

from .caching import BACKEND_NAME
from .extensions import cache, db


def check_database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:
        db.session.rollback()
        return {"ok": False, "error": f"{type(error).__name__}: {error}".splitlines()[0]}
    return {"ok": True}


def check_cache() -> dict[str, Any]:
    """Write and read back a probe key on the backend itself, bypassing the fail-safe."""
    {%- if cookiecutter.cache_backend == "null" %}
    return {"ok": True, "backend": BACKEND_NAME, "detail": "caching is switched off"}
    {%- else %}
    backend = cache.cache.backend
    key = "status-probe"
    token = secrets.token_hex(8)
    try:
        stored = backend.set(key, token, timeout=10)
        answered = backend.get(key)
    except Exception as error:
        return {"ok": False, "backend": BACKEND_NAME, "error": f"{type(error).__name__}: {error}"}
    if not stored or answered != token:
        return {"ok": False, "backend": BACKEND_NAME, "error": "the probe key was not stored"}
    return {"ok": True, "backend": BACKEND_NAME}
    {%- endif %}


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
