"""Settings read from environment variables, validated once at start-up."""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .caching import cache_settings, rate_limit_storage
from .caching.tiers import micro_cache_settings
from .database import engine_options
from .env import ConfigError, EnvReader
{%- if cookiecutter.use_sentry %}
from .sentry import sentry_settings
{%- endif %}

ENVIRONMENTS = ("development", "production", "testing")
# The value shipped in .env.example; production refuses to run with it.
PLACEHOLDER_SECRET_KEY = "change-me"  # noqa: S105 (a marker to detect, not a secret)
SECRET_KEY_MIN_LENGTH = 32
# The files the flask command loads into the environment before the app starts.
DOTENV_FILES = (".flaskenv", ".env")
# Without DATABASE_URL: a file that works with nothing installed. Flask-SQLAlchemy puts a
# relative SQLite path in the instance folder (and creates the folder).
DEFAULT_DATABASE_URL = "sqlite:///{{ cookiecutter.package_name }}.sqlite"
# One bare address each (what SMTP takes as a recipient): no name, no spaces, one @.
EMAIL_ADDRESS = re.compile(r"[^@\s<>,]+@[^@\s<>,]+")


def load_settings(
    environ: Mapping[str, str], overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The complete Flask config, checked: read from `environ`, then `overrides` (config
    keys, for tests and scripts), then the settings derived from both."""
    check_environment(environ)
    settings = read_settings(EnvReader(environ))
    settings.update(overrides or {})
    add_derived_settings(settings)
    check_settings(settings)
    return settings


def read_settings(env: EnvReader) -> dict[str, Any]:
    app_env = env.choice("APP_ENV", ENVIRONMENTS, default="development")
    settings: dict[str, Any] = {
        "APP_ENV": app_env,
        "APP_NAME": env.text("APP_NAME", "{{ cookiecutter.project_name }}"),
        # The deployed release: cache keys carry it, so a deploy never serves pages
        # rendered by the previous code. Set it to the commit or build id when deploying.
        "APP_VERSION": env.token("APP_VERSION", "{{ cookiecutter.version }}"),
        "DEBUG": app_env == "development" and env.flag("FLASK_DEBUG", False),
        "TESTING": app_env == "testing",
        "SECRET_KEY": env.text("SECRET_KEY", PLACEHOLDER_SECRET_KEY),
        # Host names this app answers to; requests for any other Host get a 400.
        "TRUSTED_HOSTS": env.items("TRUSTED_HOSTS", []) or None,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "HSTS_MAX_AGE": env.integer(
            "HSTS_MAX_AGE", 365 * 24 * 3600 if app_env == "production" else 0, minimum=0
        ),
        # Larger request bodies get a 413 before anything reads them.
        "MAX_CONTENT_LENGTH": env.integer("MAX_CONTENT_LENGTH", 1024 * 1024, minimum=1024),
        # Empty: DEFAULT_DATABASE_URL.
        "SQLALCHEMY_DATABASE_URI": database_url(env.text("DATABASE_URL", "")),
        "DATABASE_CONNECT_TIMEOUT": env.integer("DATABASE_CONNECT_TIMEOUT", 3, minimum=1),
        # Longest wait for one answer from a connected database (database.py).
        "DATABASE_READ_TIMEOUT": env.integer("DATABASE_READ_TIMEOUT", 10, minimum=1),
        "DATABASE_OUTAGE_LOG_INTERVAL": env.integer("DATABASE_OUTAGE_LOG_INTERVAL", 60, minimum=1),
        "LOG_LEVEL": env.choice(
            "LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), default="INFO"
        ),
        "LOG_DIR": env.text("LOG_DIR", ""),
        "LOG_MAX_BYTES": env.integer("LOG_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
        "LOG_BACKUP_COUNT": env.integer("LOG_BACKUP_COUNT", 5, minimum=1),
        # E-mail and Slack report each distinct error at most once per this many seconds,
        # with a count of those held back (0: report every one).
        "ERROR_REPORT_INTERVAL": env.integer("ERROR_REPORT_INTERVAL", 300, minimum=0),
        # Where the app is reached from outside: links in e-mails are built from it,
        # never from the Host header of a request. Required in production; unset in
        # development, links go to the host the request came to (mail.link_base).
        "BASE_URL": base_url(env),
        # Behind this many reverse proxies, trust X-Forwarded-For/-Proto (0: none).
        "PROXY_COUNT": env.integer("PROXY_COUNT", 0, minimum=0),
        # Without MAIL_SERVER, e-mails are written to the log instead (development).
        "MAIL_SERVER": env.text("MAIL_SERVER", ""),
        "MAIL_PORT": env.integer("MAIL_PORT", 25, minimum=1),
        "MAIL_USE_TLS": env.flag("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": env.flag("MAIL_USE_SSL", False),
        "MAIL_USERNAME": env.text("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.text("MAIL_PASSWORD", ""),
        "MAIL_DEFAULT_SENDER": env.text("MAIL_DEFAULT_SENDER", "{{ cookiecutter.author_email }}"),
        "MAIL_TIMEOUT": env.number("MAIL_TIMEOUT", 10.0),
        # Sending is decided by MAIL_SERVER (mail.py), also in tests.
        "MAIL_SUPPRESS_SEND": False,
        # Who gets error mails (logs/); empty: nobody. Production has no default.
        "ADMINS": admins(env, app_env),
        "SLACK_WEBHOOK_URL": env.text("SLACK_WEBHOOK_URL", ""),
        # Bootstrap's CSS and JS from this app, never a CDN: the Content-Security-Policy
        # (security.py) allows only this origin.
        "BOOTSTRAP_SERVE_LOCAL": True,
    }
    settings.update(cache_settings(env, default_prefix="{{ cookiecutter.package_name }}"))
    settings.update(account_settings(env))
    {%- if cookiecutter.background_jobs == "celery" %}
    settings.update(job_settings(env))
    {%- endif %}
    {%- if cookiecutter.use_sentry %}
    settings.update(sentry_settings(env))
    {%- endif %}
    if app_env == "production":
        settings.update(
            SESSION_COOKIE_SECURE=True,
            SESSION_COOKIE_HTTPONLY=True,
            REMEMBER_COOKIE_SECURE=True,
        )
    return settings


def add_derived_settings(settings: dict[str, Any]) -> None:
    """The settings computed from others, unless set (overridden) already."""
    if not settings["SQLALCHEMY_DATABASE_URI"]:
        settings["SQLALCHEMY_DATABASE_URI"] = DEFAULT_DATABASE_URL
    settings.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(settings))
    if not settings["RATELIMIT_STORAGE_URI"]:
        uri, options = rate_limit_storage(settings)
        settings["RATELIMIT_STORAGE_URI"] = uri
        settings.setdefault("RATELIMIT_STORAGE_OPTIONS", options)
    # Several apps may share one Redis or Memcached: keep their counters apart.
    settings.setdefault("RATELIMIT_KEY_PREFIX", f"{settings['CACHE_KEY_PREFIX']}limits")
    settings.setdefault("MICRO_CACHE", micro_cache_settings(settings))


def account_settings(env: EnvReader) -> dict[str, Any]:
    """Passwords, tokens, sessions and rate limits of the accounts (auth/)."""
    hour = 3600
    return {
        "PASSWORD_MIN_LENGTH": env.integer("PASSWORD_MIN_LENGTH", 12, minimum=8),
        # Argon2id; the defaults are RFC 9106's second recommendation (64 MiB, 3 passes),
        # above OWASP's minimum. Raising them upgrades each hash at its next login.
        "ARGON2_TIME_COST": env.integer("ARGON2_TIME_COST", 3, minimum=1),
        "ARGON2_MEMORY_COST": env.integer("ARGON2_MEMORY_COST", 65536, minimum=8),
        "ARGON2_PARALLELISM": env.integer("ARGON2_PARALLELISM", 4, minimum=1),
        "CONFIRM_TOKEN_MAX_AGE": env.integer("CONFIRM_TOKEN_MAX_AGE", 48 * hour, minimum=60),
        "RESET_TOKEN_MAX_AGE": env.integer("RESET_TOKEN_MAX_AGE", hour, minimum=60),
        "EMAIL_CHANGE_TOKEN_MAX_AGE": env.integer(
            "EMAIL_CHANGE_TOKEN_MAX_AGE", 24 * hour, minimum=60
        ),
        # Accounts never confirmed are removed this many days after registering
        # (auth/cleanup.py), which frees their address for a new registration.
        "UNCONFIRMED_ACCOUNT_DAYS": env.integer("UNCONFIRMED_ACCOUNT_DAYS", 7, minimum=1),
        "REMEMBER_COOKIE_NAME": "remember_token",
        "REMEMBER_COOKIE_DURATION": env.integer("REMEMBER_COOKIE_DAYS", 14, minimum=1) * 24 * hour,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Submissions of the account forms per client address.
        "AUTH_RATE_LIMIT": rate_limit(env, "AUTH_RATE_LIMIT", "5 per minute; 50 per day"),
        # Account e-mails one address receives in an hour at most, whoever asks for them
        # (mail_limits.py).
        "MAIL_PER_ADDRESS_PER_HOUR": env.integer("MAIL_PER_ADDRESS_PER_HOUR", 5, minimum=1),
        # Failed password checks of one address in a row that cost nothing; then each
        # next check waits PASSWORD_BACKOFF_SECONDS, doubled after each failure up to
        # PASSWORD_BACKOFF_MAX_SECONDS (auth/throttling.py).
        "PASSWORD_FREE_ATTEMPTS": env.integer("PASSWORD_FREE_ATTEMPTS", 5, minimum=1),
        "PASSWORD_BACKOFF_SECONDS": env.integer("PASSWORD_BACKOFF_SECONDS", 15, minimum=1),
        "PASSWORD_BACKOFF_MAX_SECONDS": env.integer("PASSWORD_BACKOFF_MAX_SECONDS", 300, minimum=1),
        # API requests per token (or per client address without one).
        "API_RATE_LIMIT": rate_limit(env, "API_RATE_LIMIT", "300 per minute"),
        # flask-smorest serves the API's OpenAPI document at /api/openapi.json.
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        "RATELIMIT_ENABLED": env.flag("RATELIMIT_ENABLED", True),
        # Empty: the cache backend's server, or the database when the cache has none that
        # every process shares (caching/<backend>.py rate_limit_storage).
        "RATELIMIT_STORAGE_URI": env.text("RATELIMIT_STORAGE_URI", ""),
        # A CSRF token lives as long as the session that holds it.
        "WTF_CSRF_TIME_LIMIT": None,
        # security.protect_unsafe_methods checks instead, looking at the method first.
        "WTF_CSRF_CHECK_DEFAULT": False,
    }


{%- if cookiecutter.background_jobs == "celery" %}


def job_settings(env: EnvReader) -> dict[str, Any]:
    """The Celery queue (jobs.py)."""
    return {
        # redis://host:6379/1 or amqp://user:password@host:5672/vhost. Empty: no broker,
        # jobs run on a thread of the web process (development, tests).
        "CELERY_BROKER_URL": env.text("CELERY_BROKER_URL", ""),
        # false: accept a rediss:// broker's self-signed certificate (Heroku Key-Value Store).
        "CELERY_BROKER_TLS_VERIFY": env.flag("CELERY_BROKER_TLS_VERIFY", True),
        # Apps sharing one broker keep their jobs apart by queue name.
        "CELERY_QUEUE": env.token("CELERY_QUEUE", "{{ cookiecutter.package_name }}"),
        # Longest wait, in seconds, to connect to the broker or hand it a job; after a
        # failure the web process sends e-mail itself for CELERY_BROKER_RETRY_INTERVAL
        # seconds before it tries the broker again.
        "CELERY_BROKER_TIMEOUT": env.number("CELERY_BROKER_TIMEOUT", 2.0),
        "CELERY_BROKER_RETRY_INTERVAL": env.integer("CELERY_BROKER_RETRY_INTERVAL", 30, minimum=0),
        # Redis only: a job taken by a worker that dies comes back to the queue after
        # this many seconds. It must exceed the longest job (RabbitMQ needs none: it
        # requeues a dead worker's jobs when its connection drops).
        "CELERY_VISIBILITY_TIMEOUT": env.integer("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1),
        # A failed job is retried this many times, waiting about 2, 4, 8... seconds
        # (at most CELERY_RETRY_BACKOFF_MAX) in between.
        "CELERY_MAX_RETRIES": env.integer("CELERY_MAX_RETRIES", 10, minimum=0),
        "CELERY_RETRY_BACKOFF": env.number("CELERY_RETRY_BACKOFF", 2.0),
        "CELERY_RETRY_BACKOFF_MAX": env.integer("CELERY_RETRY_BACKOFF_MAX", 600, minimum=1),
        # Where `celery beat` records when each scheduled job last ran. Empty: in the
        # instance folder.
        "CELERY_BEAT_SCHEDULE_FILE": env.text("CELERY_BEAT_SCHEDULE_FILE", ""),
    }
{%- endif %}


def rate_limit(env: EnvReader, name: str, default: str) -> str:
    from limits import parse_many

    value = env.text(name, default)
    try:
        parse_many(value)
    except ValueError:
        raise env.error(
            f'{name} must be rate limits like "5 per minute; 50 per day", not {value!r}.'
        ) from None
    return value


def base_url(env: EnvReader) -> str:
    value = env.text("BASE_URL", "").rstrip("/")
    if not value:
        return value  # refused in production by check_settings
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise env.error(f"BASE_URL must look like https://example.org, not {value!r}.")
    return value


def admins(env: EnvReader, app_env: str) -> list[str] | None:
    """The addresses of ADMINS. Unset in production: None, refused by check_settings, so
    error mails never go to an address nobody chose (the author's, from the bake)."""
    if app_env == "production" and "ADMINS" not in env.environ:
        return None
    addresses = env.items("ADMINS", ["{{ cookiecutter.author_email }}"])
    for address in addresses:
        if not EMAIL_ADDRESS.fullmatch(address):
            raise env.error(
                f"ADMINS must be e-mail addresses separated by commas, not {address!r}."
            )
    return addresses


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


def check_environment(environ: Mapping[str, str]) -> None:
    """Production reads the real environment only, and never runs in debug mode.

    `flask run` turns on the Werkzeug debugger (which runs any code a visitor sends)
    from FLASK_DEBUG, and the flask command reads .env into the environment before the
    app exists, so both are refused here rather than silently ignored.
    """
    if environ.get("APP_ENV", "").strip() != "production":
        return
    env = EnvReader(environ)
    loaded = environ.get("FLASK_RUN_FROM_CLI") == "true" and not env.flag(
        "FLASK_SKIP_DOTENV", False
    )
    # Looked for only when the flask command has loaded them (python-dotenv is
    # imported for it): every production worker goes through here.
    found = [path for path in map(find_dotenv_file, DOTENV_FILES) if path] if loaded else []
    if found:
        raise ConfigError(
            f"APP_ENV=production, but the flask command has read {', '.join(found)} into the "
            "environment. Production takes its settings from the real environment only: "
            "run the command with FLASK_SKIP_DOTENV=1."
        )
    if env.flag("FLASK_DEBUG", False):
        raise ConfigError(
            "FLASK_DEBUG must not be on in production: the debugger runs any code a visitor "
            "sends. Unset it (and do not pass --debug)."
        )


def find_dotenv_file(name: str) -> str:
    """The file the flask command would load for `name`, as python-dotenv finds it."""
    from dotenv import find_dotenv

    return find_dotenv(name, usecwd=True)


def check_settings(settings: Mapping[str, Any]) -> None:
    """Refuse settings that would run insecurely or not at all."""
    if settings["APP_ENV"] == "production" and (
        settings["SECRET_KEY"] == PLACEHOLDER_SECRET_KEY
        or len(settings["SECRET_KEY"]) < SECRET_KEY_MIN_LENGTH
    ):
        raise ConfigError(
            f"SECRET_KEY must be set to a long random value in production, at least "
            f"{SECRET_KEY_MIN_LENGTH} characters "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))").'
        )
    if settings["APP_ENV"] == "production" and not settings["TRUSTED_HOSTS"]:
        raise ConfigError(
            "TRUSTED_HOSTS must list the host names this app answers to in production "
            "(comma-separated, for example example.org,www.example.org)."
        )
    if settings["APP_ENV"] == "production" and not settings["BASE_URL"]:
        raise ConfigError(
            "BASE_URL must be set in production: the address users reach the app at, "
            "for the links in e-mails (for example https://example.org)."
        )
    if settings["APP_ENV"] == "production" and settings["ADMINS"] is None:
        raise ConfigError(
            "ADMINS must be set in production: the addresses error mails go to, "
            "comma-separated (for example ops@example.org), or empty for no error mail."
        )
