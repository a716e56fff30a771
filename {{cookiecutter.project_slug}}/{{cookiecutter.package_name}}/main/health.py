"""Health checks of the services the app uses, for GET /status.

The answer is public, so it holds states only: no host names, drivers or messages. What
failed and why goes to the log, once per interval, since load balancers poll this every
few seconds.
"""

import logging
import secrets
from typing import Any

{% if cookiecutter.background_jobs == "celery" %}from flask import current_app
{% endif %}from flask_caching.backends import NullCache
from sqlalchemy import text

from ..caching import BACKEND_NAME
from ..database import database_outages, discard_failed_session
from ..extensions import cache, db
from ..outages import OutageLog, failure_reason, outage_log

logger = logging.getLogger(__name__)

PROBE_KEY = "status-probe"


def check_database() -> dict[str, Any]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:
        discard_failed_session()
        return {"ok": False, "error": failure_reason(error)}
    return {"ok": True}


def check_cache() -> dict[str, Any]:
    """Write and read back a probe key on the backend itself, bypassing the fail-safe."""
    backend = cache.cache.backend
    if isinstance(backend, NullCache):
        # Any project can switch caching off this way while debugging.
        return {"ok": True, "backend": BACKEND_NAME, "off": True}
    token = secrets.token_hex(8)
    try:
        stored = backend.set(PROBE_KEY, token, timeout=10)
        answered = backend.get(PROBE_KEY)
    except Exception as error:
        return {"ok": False, "backend": BACKEND_NAME, "error": failure_reason(error)}
    if not stored or answered != token:
        return {"ok": False, "backend": BACKEND_NAME, "error": "the probe key was not stored"}
    return {"ok": True, "backend": BACKEND_NAME}


def collect_status() -> dict[str, str]:
    """{"status": "ok|degraded|down", "database": "ok|down", "cache": "ok|down|off"
    {%- if cookiecutter.background_jobs == "celery" %},
    "broker": "ok|down|off"}. Without the broker e-mail still goes out, from the web
    process: a broker outage degrades the service without stopping it.{% else %}}{% endif %}"""
    database = check_database()
    cache_state = check_cache()
    log_failures(database, cache_state)
    report = {
        "database": _up_or_down(database),
        "cache": "off" if cache_state.get("off") else _up_or_down(cache_state),
    }
    {%- if cookiecutter.background_jobs == "celery" %}
    broker = check_and_log_broker()
    report["broker"] = "off" if broker.get("off") else _up_or_down(broker)
    {%- endif %}
    if not database["ok"]:
        overall = "down"
    elif "down" in report.values():
        overall = "degraded"
    else:
        overall = "ok"
    return {"status": overall, **report}
{%- if cookiecutter.background_jobs == "celery" %}


def check_and_log_broker() -> dict[str, Any]:
    if not current_app.config["CELERY_BROKER_URL"]:
        return {"ok": True, "off": True}
    from ..jobs import broker_outages, check_broker

    broker = check_broker()
    if broker["ok"]:
        broker_outages().recovery("Broker answers the status probe again.")
    else:
        broker_outages().failure("Broker failed the status probe", broker["error"])
    return broker
{%- endif %}


def _up_or_down(state: dict[str, Any]) -> str:
    return "ok" if state["ok"] else "down"


def log_failures(database: dict[str, Any], cache_state: dict[str, Any]) -> None:
    # The database's log is the one its 503s use: one outage, one record per interval.
    if database["ok"]:
        database_outages().recovery("Database answers again.")
    else:
        database_outages().failure("Database unavailable; /status answers 503", database["error"])
    # A warning: the app serves without its cache, and the fail-safe reports its errors.
    probe = outage_log(
        "cache status probe",
        lambda config: OutageLog(logger, config["CACHE_OUTAGE_LOG_INTERVAL"], logging.WARNING),
    )
    if cache_state["ok"]:
        probe.recovery(f"Cache backend {BACKEND_NAME} passes the status probe again.")
    else:
        probe.failure(f"Cache backend {BACKEND_NAME} failed the status probe", cache_state["error"])
