"""Logging set up with dictConfig before the app exists, from the settings alone.

Console always; rotating files when LOG_DIR is set; e-mail to ADMINS when MAIL_SERVER
is set; Slack when SLACK_WEBHOOK_URL is set. The remote handlers run behind a queue,
so a slow or dead mail server or webhook never delays a request.
"""

import logging.config
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .log_handlers import stop_listeners

HANDLERS_MODULE = f"{__package__}.log_handlers"
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
DETAILED_FORMAT = (
    "%(asctime)s %(levelname)s %(name)s [%(method)s %(url)s from %(remote_addr)s]\n%(message)s"
)


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
            "formatter": "detailed",
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
            "formatter": "detailed",
            "filters": ["request"],
            "webhook_url": settings["SLACK_WEBHOOK_URL"],
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": PLAIN_FORMAT},
            "detailed": {"format": DETAILED_FORMAT},
        },
        "filters": {"request": {"()": f"{HANDLERS_MODULE}.RequestContextFilter"}},
        "handlers": handlers,
        "root": {"level": settings["LOG_LEVEL"], "handlers": list(handlers)},
    }


def configure_logging(settings: Mapping[str, Any]) -> None:
    # A second app in the same process (tests, reloads) replaces the first one's
    # queue listeners instead of stacking threads.
    stop_listeners()
    logging.config.dictConfig(build_logging_config(settings))
