"""{{ cookiecutter.project_name }}: the application factory."""

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(
    config_overrides: Mapping[str, Any] | None = None, *, environ: Mapping[str, str] | None = None
) -> Flask:
    """Build the app from `environ` (default: the process environment, plus .env in
    development) and `config_overrides` (Flask config keys, for tests and scripts)."""
    from .caching.front import install_page_front
    from .default_headers import install_default_headers
    from .logs import configure_logging
    from .settings import load_settings

    if environ is None:
        environ = process_environment()
    settings = load_settings(environ, config_overrides)
    configure_logging(settings)
    {%- if cookiecutter.use_sentry %}
    if settings["SENTRY_DSN"]:
        from .sentry import init_sentry

        init_sentry(settings)
    {%- endif %}
    app = build_flask_app(settings)
    add_request_hooks(app)  # before the extensions': Flask runs hooks in the order added
    init_extensions(app)
    register_blueprints(app)
    register_commands(app)
    install_default_headers(app)
    install_page_front(app)  # outermost: a cached page skips everything above
    return app


def process_environment() -> Mapping[str, str]:
    """os.environ; in development .env fills in the variables it does not set."""
    if os.environ.get("APP_ENV", "development") == "development":
        from dotenv import find_dotenv, load_dotenv

        load_dotenv(find_dotenv(usecwd=True))
    return os.environ


def build_flask_app(settings: Mapping[str, Any]) -> Flask:
    from .routing import CONVERTERS

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings)
    if settings["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        count = settings["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
    app.url_map.converters.update(CONVERTERS)
    return app


def init_extensions(app: Flask) -> None:
    from .caching.tiers import init_cache_tiers
    from .database import enforce_foreign_keys_on_sqlite, leave_connections_to_their_process
    from .extensions import bootstrap, csrf, db, init_migrations, limiter, login_manager, mail
    from .limit_storage import DatabaseStorage  # noqa: F401 (registers database:// with limits)
    from .security import protect_unsafe_methods

    db.init_app(app)
    enforce_foreign_keys_on_sqlite(app)
    leave_connections_to_their_process(app)
    init_migrations(app)
    init_cache_tiers(app)
    csrf.init_app(app)
    app.before_request(protect_unsafe_methods)
    mail.init_app(app)
    bootstrap.init_app(app)
    # Flask-Login's context processor loads the user before every template renders;
    # add_request_hooks gives templates their own (auth/login.template_visitor), loaded
    # only where a template asks: the 503 page of a database outage renders without the
    # database.
    login_manager.init_app(app, add_context_processor=False)
    limiter.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import init_api
    from .auth import bp as auth_bp
    from .errors import bp as errors_bp
    from .main import bp as main_bp
    from .tasks import bp as tasks_bp

    app.register_blueprint(errors_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(tasks_bp, url_prefix="/tasks")
    init_api(app)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(admin_bp, url_prefix="/admin")


def add_request_hooks(app: Flask) -> None:
    from .auth.login import limit_unconfirmed_users, template_visitor
    from .dates import local_time
    from .mail import start_mail_jobs
    from .request_input import init_request_input

    # First of the hooks: with the database down, a visitor with a session gets its 503
    # here, before another check (request input, CSRF, rate limits) fails with an error
    # page that would ask the database who is logged in, and end as a bare 500.
    app.before_request(limit_unconfirmed_users)
    init_request_input(app)
    app.context_processor(template_visitor)
    app.add_template_filter(local_time)
    app.teardown_request(start_mail_jobs)


def register_commands(app: Flask) -> None:
    from .auth.cli import roles_cli, users_cli
    from .cli import cache_cli, seed_command

    app.cli.add_command(seed_command)
    app.cli.add_command(cache_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(roles_cli)
