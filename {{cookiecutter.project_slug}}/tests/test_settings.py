import pytest

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.settings import (
    ConfigError,
    check_environment,
    database_url,
    load_settings,
)


def test_defaults_need_no_environment():
    settings = load_settings({})
    assert settings["APP_ENV"] == "development"
    assert settings["CACHE_KEY_PREFIX"] == "{{ cookiecutter.package_name }}:"
    assert settings["SQLALCHEMY_DATABASE_URI"] == ""


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
    ],
)
def test_bad_values_name_their_variable(name, value):
    with pytest.raises(ConfigError, match=name):
        load_settings({name: value})


@pytest.mark.parametrize("secret", [None, "", "change-me"])
def test_production_refuses_missing_or_default_secret(monkeypatch, secret):
    monkeypatch.setenv("APP_ENV", "production")
    if secret is None:
        monkeypatch.delenv("SECRET_KEY", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_a_short_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 31)
    with pytest.raises(ConfigError, match="at least 32 characters"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


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
        check_environment({"APP_ENV": "production", "FLASK_DEBUG": value})
    check_environment({"APP_ENV": "production", "FLASK_DEBUG": "0"})


def test_production_refuses_to_answer_any_host(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    with pytest.raises(ConfigError, match="TRUSTED_HOSTS"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_refuses_to_build_links_without_base_url(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("TRUSTED_HOSTS", "example.org")
    monkeypatch.delenv("BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="BASE_URL must be set"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_production_sets_secure_cookies_hosts_and_hsts(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("TRUSTED_HOSTS", "example.org, www.example.org")
    monkeypatch.setenv("BASE_URL", "https://example.org/")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
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


def test_testing_environment_is_hermetic(app):
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_default_database_is_sqlite_in_instance_folder(make_app):
    # No tables: this is the developer's own database file, which `db upgrade` creates.
    app = make_app(create_tables=False, SQLALCHEMY_DATABASE_URI="")
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.instance_path in app.config["SQLALCHEMY_DATABASE_URI"]


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
