"""{{ cookiecutter.project_name }}: the application factory."""

import os
from collections.abc import Mapping
from typing import Any

from dotenv import find_dotenv, load_dotenv
from flask import Flask

__version__ = "{{ cookiecutter.version }}"


def create_app(config_overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings, logging, extensions, blueprints, error pages, commands."""
    from .settings import check_environment, check_settings, load_settings

    check_environment(os.environ)
    if os.environ.get("APP_ENV", "development") == "development":
        # Development reads .env; production and tests use the real environment only.
        load_dotenv(find_dotenv(usecwd=True))
    settings = load_settings(os.environ)
    settings.update(config_overrides or {})
    check_settings(settings)

    from .http_caching import default_cache_control
    from .logging_config import configure_logging
    from .request_input import init_request_input
    from .routing import CONVERTERS
    from .security import security_headers

    configure_logging(settings)
    {%- if cookiecutter.use_sentry %}
    if settings["SENTRY_DSN"]:
        from .sentry import init_sentry

        init_sentry(settings)
    {%- endif %}

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings)
    if settings["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = settings["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
    init_request_input(app)
    init_extensions(app)
    app.url_map.converters.update(CONVERTERS)
    register_blueprints(app)
    app.after_request(default_cache_control)
    app.after_request(security_headers)
    register_commands(app)
    return app


def init_extensions(app: Flask) -> None:
    from .auth.login import init_login
    from .caching.tiers import init_micro_cache
    from .database import default_database_url, engine_options
    from .extensions import cache, csrf, db, mail, migrate
    from .mail import start_mail_jobs
    from .rate_limiting import init_rate_limiting

    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = default_database_url(app.instance_path)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config))
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, os.pardir, "migrations"))
    cache.init_app(app)
    init_micro_cache(app)
    csrf.init_app(app)
    mail.init_app(app)
    app.teardown_request(start_mail_jobs)
    init_login(app)
    init_rate_limiting(app)


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .errors import bp as errors_bp
    from .main import bp as main_bp
    from .tasks import bp as tasks_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(tasks_bp, url_prefix="/tasks")
    app.register_blueprint(api_bp, url_prefix="/api")
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")


def register_commands(app: Flask) -> None:
    from .cli import cache_cli, seed_command
    from .users_cli import roles_cli, users_cli

    app.cli.add_command(seed_command)
    app.cli.add_command(cache_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(roles_cli)
