"""Logging set up with dictConfig before the app exists, from the settings alone.

Console always; rotating files when LOG_DIR is set; e-mail to ADMINS when MAIL_SERVER
is set (production requires ADMINS, and warns at start when it is set empty); Slack
when SLACK_WEBHOOK_URL is set. The remote handlers run behind a queue, so a slow or
dead mail server or webhook never delays a request, and each reports a given error at
most once per ERROR_REPORT_INTERVAL (the console and files get every record).
"""

import logging
import logging.config
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .handlers import stop_listeners

HANDLERS_MODULE = f"{__name__}.handlers"
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DETAILED_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [%(method)s %(url)s from %(remote_addr)s]\n%(message)s"
)
# Libraries log at INFO what only matters when debugging them (alembic's plugins on
# every `flask` command and its migration steps, SQL, storage connections). Werkzeug is
# not here: its request lines at INFO are what `flask run` users watch.
LIBRARY_LOGGERS = (
    "alembic",
    "flask-limiter",
    "flask_caching",
    "flask_migrate",
    "limits",
    "sqlalchemy",
    "urllib3",
)
# The handlers that interrupt people; the console and files keep every record.
REPORTING_HANDLERS = ("mail", "slack")


def build_logging_config(settings: Mapping[str, Any]) -> dict[str, Any]:
    handlers: dict[str, dict[str, Any]] = {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "stream": "ext://sys.stderr",
        }
    }
    if settings["LOG_DIR"]:
        log_dir = Path(settings["LOG_DIR"])
        log_dir.mkdir(parents=True, exist_ok=True)
        rotation = {
            "class": "logging.handlers.RotatingFileHandler",
            "maxBytes": settings["LOG_MAX_BYTES"],
            "backupCount": settings["LOG_BACKUP_COUNT"],
            "encoding": "utf-8",
        }
        handlers["app_file"] = {
            **rotation,
            "formatter": "plain",
            "filename": str(log_dir / "app.log"),
        }
        handlers["error_file"] = {
            **rotation,
            "level": "ERROR",
            "formatter": "detailed",
            "filters": ["request"],
            "filename": str(log_dir / "errors.log"),
        }
    if settings["MAIL_SERVER"] and settings["ADMINS"]:
        handlers["mail"] = {
            "()": f"{HANDLERS_MODULE}.queued_smtp_handler",
            "level": "ERROR",
            "formatter": "report",
            "filters": ["request"],
            "mailhost": (settings["MAIL_SERVER"], settings["MAIL_PORT"]),
            "fromaddr": settings["MAIL_DEFAULT_SENDER"],
            "toaddrs": list(settings["ADMINS"]),
            "subject": f"[{settings['APP_NAME']}] application error",
            "credentials": (
                (settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"])
                if settings["MAIL_USERNAME"]
                else None
            ),
            "use_tls": settings["MAIL_USE_TLS"],
        }
    if settings["SLACK_WEBHOOK_URL"]:
        handlers["slack"] = {
            "()": f"{HANDLERS_MODULE}.queued_slack_handler",
            "level": "ERROR",
            "formatter": "report",
            "filters": ["request"],
            "webhook_url": settings["SLACK_WEBHOOK_URL"],
        }
    filters: dict[str, dict[str, Any]] = {
        "request": {"()": f"{HANDLERS_MODULE}.RequestContextFilter"}
    }
    for name in REPORTING_HANDLERS:
        if name in handlers and settings["ERROR_REPORT_INTERVAL"]:
            # One throttle per handler: each must count what it held back itself.
            filters[f"{name}_throttle"] = {
                "()": f"{HANDLERS_MODULE}.ErrorReportThrottle",
                "interval": settings["ERROR_REPORT_INTERVAL"],
            }
            handlers[name]["filters"].insert(0, f"{name}_throttle")
    library_level = library_log_level(settings["LOG_LEVEL"])
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "detailed": {"format": DETAILED_FORMAT},
            "report": {"()": f"{HANDLERS_MODULE}.ErrorReportFormatter", "fmt": DETAILED_FORMAT},
        },
        "filters": filters,
        "handlers": handlers,
        "loggers": {
            **{name: {"level": library_level} for name in LIBRARY_LOGGERS},
            # What `flask db migrate` detected (tables, columns, indexes): its result.
            "alembic.autogenerate": {"level": settings["LOG_LEVEL"]},
        },
        "root": {"level": settings["LOG_LEVEL"], "handlers": list(handlers)},
    }


def library_log_level(level: str) -> str:
    """WARNING, or the app's level when that is DEBUG or above WARNING."""
    if level == "DEBUG" or logging.getLevelName(level) > logging.WARNING:
        return level
    return "WARNING"


def configure_logging(settings: Mapping[str, Any]) -> None:
    # A second app in the same process (tests, reloads) replaces the first one's
    # queue listeners instead of stacking threads.
    stop_listeners()
    logging.config.dictConfig(build_logging_config(settings))
    if settings["APP_ENV"] == "production" and not settings["ADMINS"]:
        # Production requires ADMINS (settings.py): set empty, nobody is to get error mails.
        logging.getLogger(__name__).warning(
            "ADMINS is empty: errors are not mailed to anybody, only logged."
        )
