"""Extension objects, created and configured unbound; create_app() binds them to an app."""

from pathlib import Path
from typing import Any

from flask import Flask
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .lazy import LazyGroup

# Stable constraint names, so migrations can drop and alter them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
MIGRATIONS_DIRECTORY = str(Path(__file__).resolve().parent.parent / "migrations")
# The shared cache (the chosen backend) and the per-process tier in front of it
# (caching/tiers.py says which data may live in which). Fragments kept by the templates'
# `cache` tag go to the shared one, where cache.delete and `flask cache clear` reach them:
# the micro-cache leaves Jinja alone.
cache = Cache()
micro_cache = Cache(with_jinja2_ext=False)
csrf = CSRFProtect()
# Its loaders, anonymous user and unconfirmed-user rule are in auth/login.py, beside
# the models they need.
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to see that page."
login_manager.login_message_category = "info"
mail = Mail()
# Storage from the cache backend (settings.py). A storage outage lets requests
# through and is logged: rate limiting must never lock everybody out.
limiter = Limiter(get_remote_address, swallow_errors=True, headers_enabled=True)
# Bootstrap 5's CSS and JS, served by the app itself (BOOTSTRAP_SERVE_LOCAL in
# settings.py): the Content-Security-Policy allows no other origin.
bootstrap = Bootstrap5()


def init_migrations(app: Flask) -> None:
    """Flask-Migrate for `flask db ...` and flask_migrate's functions, imported (with
    Alembic, a fifth of the start-up) only when one of them runs: a worker serving
    requests never needs them."""
    app.extensions["migrate"] = LazyMigrateConfig(app)
    app.cli.add_command(
        LazyGroup("db", "flask_migrate.cli:db", help_text="Perform database migrations.")
    )


class LazyMigrateConfig:
    """Stands in app.extensions["migrate"] for Flask-Migrate's own config, which the
    first attribute read puts there instead."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        from flask_migrate import Migrate

        Migrate(self._app, db, directory=MIGRATIONS_DIRECTORY)
        return getattr(self._app.extensions["migrate"], name)
