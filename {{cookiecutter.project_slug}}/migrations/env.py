"""Alembic environment for Flask-Migrate: the app's engine and metadata."""

import click
from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

# No fileConfig(alembic.ini): `flask db` runs inside the app, whose logging is set up
# already (logs/); alembic's INFO lines show only with LOG_LEVEL=DEBUG.
config = context.config

target_db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url",
    target_db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def render_item(type_, obj, autogen_context):
    """Revisions name the column type a model's own type stores into (sa.DateTime() for
    models/types.py's UTCDateTime): what it does in Python is no part of the schema, and
    a revision that imports the app would break when the app's code moves."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl_instance!r}"
    return False  # Alembic's own rendering


def run_migrations_offline() -> None:
    """Emit SQL to stdout instead of running it (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    def skip_empty_autogenerate(context, revision, directives) -> None:
        # `flask db migrate` with no model change writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            click.echo("No changes in schema detected.")

    configure_args = current_app.extensions["migrate"].configure_args
    if configure_args.get("process_revision_directives") is None:
        configure_args["process_revision_directives"] = skip_empty_autogenerate
    configure_args.setdefault("render_item", render_item)
    with target_db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it and dropping the old one; with foreign
            # keys on (database.py), that drop would delete or detach the rows that
            # point at it. Set outside a transaction, as SQLite requires.
            set_sqlite_foreign_keys(connection, "OFF")
        try:
            context.configure(
                connection=connection, target_metadata=target_db.metadata, **configure_args
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if sqlite:  # the connection goes back to the pool: on again for the app
                set_sqlite_foreign_keys(connection, "ON")


def set_sqlite_foreign_keys(connection, state: str) -> None:
    connection.exec_driver_sql(f"PRAGMA foreign_keys={state}")
    connection.commit()  # ends the transaction SQLAlchemy began for it


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
