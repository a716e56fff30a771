import os

import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.env import ConfigError
from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.logs import build_logging_config
from {{ cookiecutter.package_name }}.settings import (
    DEFAULT_DATABASE_URL,
    check_environment,
    database_url,
    load_settings,
)


def test_defaults_need_no_environment():
    settings = load_settings({})
    assert settings["APP_ENV"] == "development"
    assert settings["CACHE_KEY_PREFIX"] == "{{ cookiecutter.package_name }}:"
    assert settings["SQLALCHEMY_DATABASE_URI"] == DEFAULT_DATABASE_URL
    assert settings["RATELIMIT_STORAGE_URI"]  # the cache backend's


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("APP_ENV", "staging"),
        ("CACHE_DEFAULT_TIMEOUT", "five minutes"),
        ("CACHE_DEFAULT_TIMEOUT", "-1"),
        ("LOG_LEVEL", "LOUD"),
        ("FLASK_DEBUG", "maybe"),
        ("MAIL_PORT", "smtp"),
{%- if cookiecutter.use_sentry %}
        ("SENTRY_TRACES_SAMPLE_RATE", "often"),
{%- endif %}
        ("BASE_URL", "example.org"),
        ("BASE_URL", "javascript:alert(1)"),
        ("BASE_URL", "https://example.org/?next=x"),
        ("PASSWORD_MIN_LENGTH", "6"),
        ("ARGON2_MEMORY_COST", "lots"),
        ("AUTH_RATE_LIMIT", "five a minute"),
        ("REMEMBER_COOKIE_DAYS", "0"),
        ("ADMINS", "ops"),
        ("ADMINS", "Ops <ops@example.org>"),
        ("ADMINS", "ops@example.org; dev@example.org"),
    ],
)
def test_bad_values_name_their_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "a-real-secret-from-the-environment",
    "TRUSTED_HOSTS": "example.org, www.example.org",
    "BASE_URL": "https://example.org/",
    "ADMINS": "ops@example.org",
    "DATABASE_URL": "sqlite://",
}


def production_app(**environ):
    return create_app(environ={**PRODUCTION, **environ})


@pytest.mark.parametrize("secret", ["", "change-me"])
def test_production_refuses_missing_or_default_secret(secret):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        production_app(SECRET_KEY=secret)
    environ = {name: value for name, value in PRODUCTION.items() if name != "SECRET_KEY"}
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app(environ=environ)


def test_production_refuses_a_short_secret():
    with pytest.raises(ConfigError, match="at least 32 characters"):
        production_app(SECRET_KEY="x" * 31)


def production_environ(**extra):
    return {"APP_ENV": "production", "FLASK_RUN_FROM_CLI": "true", **extra}


def test_production_refuses_a_dotenv_read_by_the_flask_command(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("FLASK_DEBUG=1\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"has read .*\.env .*FLASK_SKIP_DOTENV=1"):
        check_environment(production_environ(FLASK_DEBUG="1"))
    # Skipped by the flask command, or not the flask command (gunicorn): nothing was read.
    check_environment(production_environ(FLASK_SKIP_DOTENV="1"))
    check_environment({"APP_ENV": "production"})
    check_environment({"APP_ENV": "development", "FLASK_RUN_FROM_CLI": "true"})


@pytest.mark.parametrize("value", ["1", "true", "on"])
def test_production_never_runs_in_debug_mode(monkeypatch, tmp_path, value):
    monkeypatch.chdir(tmp_path)  # no .env here or above
    with pytest.raises(ConfigError, match="FLASK_DEBUG must not be on in production"):
        production_app(FLASK_DEBUG=value)
    check_environment({"APP_ENV": "production", "FLASK_DEBUG": "0"})


def test_production_refuses_to_answer_any_host():
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        production_app(TRUSTED_HOSTS="")


def test_production_refuses_to_build_links_without_base_url():
    with pytest.raises(ConfigError, match="BASE_URL must be set"):
        production_app(BASE_URL="")


def test_production_refuses_to_mail_errors_to_an_address_nobody_chose():
    environ = {name: value for name, value in PRODUCTION.items() if name != "ADMINS"}
    with pytest.raises(ConfigError, match="ADMINS must be set in production"):
        create_app(environ=environ)
    # Outside production, the bake's author gets them (when MAIL_SERVER is set).
    assert load_settings({})["ADMINS"] == ["{{ cookiecutter.author_email }}"]


def error_mail_recipients(environ):
    config = build_logging_config(load_settings({**environ, "MAIL_SERVER": "127.0.0.1"}))
    return config["handlers"]["mail"]["toaddrs"] if "mail" in config["handlers"] else None


def test_production_mails_errors_to_the_admins_it_is_given(app_log_records):
    admins = "ops@example.org, oncall@example.net"
    assert error_mail_recipients({**PRODUCTION, "ADMINS": admins}) == [
        "ops@example.org",
        "oncall@example.net",
    ]
    production_app(ADMINS=admins)
    assert [record for record in app_log_records if "ADMINS" in record.getMessage()] == []


@pytest.mark.parametrize("empty", ["", " ", ","])
def test_production_with_admins_set_empty_mails_no_error_and_says_so(app_log_records, empty):
    assert error_mail_recipients({**PRODUCTION, "ADMINS": empty}) is None
    production_app(ADMINS=empty, MAIL_SERVER="127.0.0.1")
    warnings = [record for record in app_log_records if record.levelname == "WARNING"]
    assert [record.getMessage() for record in warnings] == [
        "ADMINS is empty: errors are not mailed to anybody, only logged."
    ]


def test_production_sets_secure_cookies_hosts_and_hsts():
    app = production_app()
    assert app.config["BASE_URL"] == "https://example.org"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert app.config["TRUSTED_HOSTS"] == ["example.org", "www.example.org"]
    assert app.config["HSTS_MAX_AGE"] >= 31536000
    assert app.debug is False


def test_an_app_built_from_a_mapping_reads_neither_os_environ_nor_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("APP_NAME=from .env\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("APP_NAME", raising=False)
    monkeypatch.setenv("CACHE_KEY_PREFIX", "from-the-process:")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "CACHE_BACKEND": "flask_caching.backends.NullCache",
        },
        environ={"APP_ENV": "development"},
    )
    assert app.config["APP_NAME"] == "{{ cookiecutter.project_name }}"
    assert app.config["CACHE_KEY_PREFIX"] == "{{ cookiecutter.package_name }}:"
    assert "APP_NAME" not in os.environ


def test_testing_environment_is_hermetic(app):
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_default_database_is_sqlite_in_instance_folder(make_app):
    # No tables: this is the developer's own database file, which `db upgrade` creates.
    app = make_app(create_tables=False, environ={"DATABASE_URL": ""})
    with app.app_context():
        database = db.engine.url.database
    expected = os.path.join(app.instance_path, "{{ cookiecutter.package_name }}.sqlite")
    assert database == expected


def test_overrides_come_before_the_derived_settings():
    settings = load_settings({}, {"CACHE_BACKEND": "flask_caching.backends.NullCache"})
    assert settings["MICRO_CACHE"]["CACHE_TYPE"] == "NullCache"
    settings = load_settings({}, {"SQLALCHEMY_ENGINE_OPTIONS": {}})
    assert settings["SQLALCHEMY_ENGINE_OPTIONS"] == {}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db/app", "postgresql+psycopg://u:p@db/app"),
        ("postgresql://u@db/app", "postgresql+psycopg://u@db/app"),
        ("mysql://root@db/app", "mysql+pymysql://root@db/app"),
        ("mariadb://root@db/app", "mysql+pymysql://root@db/app"),
        ("sqlite:////tmp/app.sqlite", "sqlite:////tmp/app.sqlite"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
    ],
)
def test_database_url_picks_the_shipped_driver(given, expected):
    assert database_url(given) == expected


@pytest.mark.parametrize("variable", ["APP_VERSION", "CACHE_KEY_PREFIX"])
def test_cache_key_parts_must_not_contain_spaces(variable):
    with pytest.raises(ConfigError, match=variable):
        load_settings({variable: "two words"})


def test_cache_keys_carry_the_release():
    from {{ cookiecutter.package_name }}.caching.keys import release_prefix

    settings = load_settings({"APP_VERSION": "2026.11.21-abc123", "CACHE_KEY_PREFIX": "shop:"})
    assert release_prefix(settings) == "shop:2026.11.21-abc123:"
