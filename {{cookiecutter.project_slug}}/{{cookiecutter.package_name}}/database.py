"""The database behind DATABASE_URL: engine options that bound every wait on it, and
which errors mean it is unavailable (answered with a 503, see errors/handlers.py)."""

import contextlib
import logging
import os
import weakref
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import Engine, event, exc

from .extensions import db
from .outages import OutageLog, outage_log

logger = logging.getLogger(__name__)
# The engines of every app of this process, for _forget_connections_after_fork.
_engines: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Short timeouts on every wait, so an outage is a quick 503 (and /status answers),
    not a worker stuck until gunicorn kills it."""
    url = config["SQLALCHEMY_DATABASE_URI"]
    connect_timeout = config["DATABASE_CONNECT_TIMEOUT"]
    read_timeout = config["DATABASE_READ_TIMEOUT"]
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        # SQLite's only wait: another connection holding the write lock.
        options["connect_args"] = {"timeout": read_timeout}
        return options
    # For a free connection of the pool (SQLAlchemy's default is 30 s).
    options["pool_timeout"] = connect_timeout
    if url.startswith("postgresql"):
        options["connect_args"] = {
            # psycopg applies it to the whole start-up, handshake included.
            "connect_timeout": connect_timeout,
            # The server cancels longer statements. Behind PgBouncer, add "options" to
            # its ignore_startup_parameters.
            "options": f"-c statement_timeout={read_timeout * 1000}",
            # A server host that stops acknowledging (gone, network cut) is given up
            # after about the read timeout: libpq itself never times out a read.
            "tcp_user_timeout": read_timeout * 1000,
            "keepalives_idle": read_timeout,
            "keepalives_interval": 1,
        }
    elif url.startswith("mysql"):
        options["connect_args"] = {
            "connect_timeout": connect_timeout,
            # Without these PyMySQL waits forever, from the server's greeting on.
            "read_timeout": read_timeout,
            "write_timeout": read_timeout,
            "charset": "utf8mb4",
        }
        # MySQL closes idle connections after wait_timeout; recycle well before.
        options["pool_recycle"] = 280
    return options


def is_database_unavailable(error: BaseException) -> bool:
    """True for errors that say the database cannot serve now, not that the code or the
    data is wrong (those stay 500s with a traceback).

    OperationalError is the DB-API's class for failures outside the program's control:
    refused or lost connections, connect and statement timeouts, locks, a missing SQLite
    file. InterfaceError is a connection already closed under the driver. TimeoutError is
    SQLAlchemy's pool having no free connection. Any other DB-API error counts when
    SQLAlchemy recognised it as a disconnect (`connection_invalidated`).
    """
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


def database_outages() -> OutageLog:
    """The current app's record of database failures, logged once per interval."""
    return outage_log(
        "database",
        lambda config: OutageLog(logger, config["DATABASE_OUTAGE_LOG_INTERVAL"]),
    )


def discard_failed_session() -> None:
    """Roll the request's session back after a database error. When the connection is
    gone the rollback may fail too; the outage is already reported, and nothing else in
    the request uses the session."""
    with contextlib.suppress(exc.SQLAlchemyError):
        db.session.rollback()


def enforce_foreign_keys_on_sqlite(app: Flask) -> None:
    """SQLite checks foreign keys, and applies their ON DELETE, only when each connection
    asks (PostgreSQL and MySQL always do): deleting a user then removes or detaches its
    rows on every database, with no list of tables to keep by hand. Migrations switch it
    off while they run (migrations/env.py): SQLite rebuilds a table to alter it, and
    dropping the old copy must not cascade."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _foreign_keys_on)


def _foreign_keys_on(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def leave_connections_to_their_process(app: Flask) -> None:
    """A process forked from this one (a gunicorn worker of a preloaded app) starts with
    empty pools: sharing a connection with its parent or a sibling would mix their
    statements and results on one socket."""
    with app.app_context():
        _engines.update(db.engines.values())


def _forget_connections_after_fork() -> None:
    # SQLAlchemy's advice for os.fork(): drop the inherited connections without closing
    # them, which would close them under the parent too.
    for engine in list(_engines):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):  # not on Windows, which never forks
    os.register_at_fork(after_in_child=_forget_connections_after_fork)
