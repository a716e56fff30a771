"""Settings read from environment variables, validated once at start-up."""

from collections.abc import Mapping
from typing import Any

from .caching import cache_settings
from .env import EnvReader

ENVIRONMENTS = ("development", "production", "testing")
# The value shipped in .env.example; production refuses to run with it.
PLACEHOLDER_SECRET_KEY = "change-me"  # noqa: S105 (a marker to detect, not a secret)


class ConfigError(RuntimeError):
    """A setting is missing or invalid; the message names the variable."""


def load_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """Build the Flask config mapping from an environment."""
    env = EnvReader(environ, ConfigError)
    app_env = env.choice("APP_ENV", ENVIRONMENTS, default="development")
    settings: dict[str, Any] = {
        "APP_ENV": app_env,
        "APP_NAME": env.str("APP_NAME", "{{ cookiecutter.project_name }}"),
        # The deployed release: cache keys carry it, so a deploy never serves pages
        # rendered by the previous code. Set it to the commit or build id when deploying.
        "APP_VERSION": env.token("APP_VERSION", "{{ cookiecutter.version }}"),
        "DEBUG": app_env == "development" and env.bool("FLASK_DEBUG", False),
        "TESTING": app_env == "testing",
        "SECRET_KEY": env.str("SECRET_KEY", PLACEHOLDER_SECRET_KEY),
        # Host names this app answers to; requests for any other Host get a 400.
        "TRUSTED_HOSTS": env.list("TRUSTED_HOSTS", []) or None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "HSTS_MAX_AGE": env.int(
            "HSTS_MAX_AGE", 365 * 24 * 3600 if app_env == "production" else 0, minimum=0
        ),
        "SQLALCHEMY_DATABASE_URI": database_url(env.str("DATABASE_URL", "")),
        "DATABASE_CONNECT_TIMEOUT": env.int("DATABASE_CONNECT_TIMEOUT", 3, minimum=1),
        "LOG_LEVEL": env.choice(
            "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), default="INFO"
        ),
        "LOG_DIR": env.str("LOG_DIR", ""),
        "LOG_MAX_BYTES": env.int("LOG_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
        "LOG_BACKUP_COUNT": env.int("LOG_BACKUP_COUNT", 5, minimum=1),
        "MAIL_SERVER": env.str("MAIL_SERVER", ""),
        "MAIL_PORT": env.int("MAIL_PORT", 25, minimum=1),
        "MAIL_USE_TLS": env.bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": env.str("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.str("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": env.str("MAIL_DEFAULT_SENDER", "{{ cookiecutter.author_email }}"),
        "ADMINS": env.list("ADMINS", ["{{ cookiecutter.author_email }}"]),
        "SLACK_WEBHOOK_URL": env.str("SLACK_WEBHOOK_URL", ""),
        "SENTRY_DSN": env.str("SENTRY_DSN", ""),
        "SENTRY_TRACES_SAMPLE_RATE": env.float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
    }
    settings.update(cache_settings(env, default_prefix="{{ cookiecutter.package_name }}"))
    if app_env == "production":
        settings.update(SESSION_COOKIE_SECURE=True, SESSION_COOKIE_HTTPONLY=True)
    return settings


def database_url(url: str) -> str:
    """Pick the driver this project ships with for the URL forms that hosts hand out."""
    for prefix, driver in (
        ("postgres://", "postgresql+psycopg://"),
        ("postgresql://", "postgresql+psycopg://"),
        ("mysql://", "mysql+pymysql://"),
        ("mariadb://", "mysql+pymysql://"),
    ):
        if url.startswith(prefix):
            return driver + url.removeprefix(prefix)
    return url


def check_settings(settings: Mapping[str, Any]) -> None:
    """Refuse settings that would run insecurely or not at all."""
    if settings["APP_ENV"] == "production" and settings["SECRET_KEY"] in (
        "",
        PLACEHOLDER_SECRET_KEY,
    ):
        raise ConfigError(
            "SECRET_KEY must be set to a long random value in production "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    if settings["APP_ENV"] == "production" and not settings["TRUSTED_HOSTS"]:
        raise ConfigError(
            "TRUSTED_HOSTS must list the host names this app answers to in production "
            "(comma-separated, for example example.org,www.example.org)."
        )
