"""Error reporting to Sentry, started only when SENTRY_DSN is set."""

from collections.abc import Mapping
from typing import Any

from .env import EnvReader


def sentry_settings(env: EnvReader) -> dict[str, Any]:
    return {
        "SENTRY_DSN": env.text("SENTRY_DSN", ""),
        # Share of requests traced for performance monitoring.
        "SENTRY_TRACES_SAMPLE_RATE": env.number("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    }


def init_sentry(settings: Mapping[str, Any]) -> None:
    # Imported here: the SDK is only loaded by deployments that report to Sentry.
    import sentry_sdk
    from sentry_sdk.integrations.flask import FlaskIntegration

    sentry_sdk.init(
        dsn=settings["SENTRY_DSN"],
        environment=settings["APP_ENV"],
        release=settings["APP_VERSION"],
        traces_sample_rate=settings["SENTRY_TRACES_SAMPLE_RATE"],
        integrations=[FlaskIntegration()],
    )
