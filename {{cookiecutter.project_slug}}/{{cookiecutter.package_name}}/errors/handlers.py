"""Error responses negotiated between JSON (API clients) and HTML (browsers)."""

from collections.abc import Callable
from typing import Any

from flask import current_app, render_template, request
from flask_limiter import RateLimitExceeded
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import (
    HTTPException,
    InternalServerError,
    SecurityError,
    ServiceUnavailable,
)

from ..database import database_outages, discard_failed_session, is_database_unavailable
from ..extensions import db
from . import bp

# RFC 9457 problem details: every error of the app, in JSON (api/problems.py documents it).
PROBLEM_JSON = "application/problem+json"


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    accepted = request.accept_mimetypes
    return accepted.best_match(["text/html", "application/json"]) == "application/json"


def error_response(error: HTTPException, page: Callable[[HTTPException], str] | None = None):
    """The error as problem details or as a page: `page(error)`, by default errors/error.html."""
    code = error.code or 500
    headers = _kept_headers(error)
    if wants_json():
        headers["Content-Type"] = PROBLEM_JSON
        return problem_details(error), code, headers
    html = page(error) if page else render_template("errors/error.html", error=error)
    return html, code, headers


def problem_details(error: HTTPException) -> dict[str, Any]:
    """RFC 9457: the standard JSON shape of an error, with `errors` naming what was
    wrong with each part of a request (webargs puts them in `data["messages"]`)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": error.name,
        "status": error.code or 500,
        "detail": error.description,
    }
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages:
        body["errors"] = messages
        body["detail"] = "The request has invalid parts: see errors."
    return body


def _kept_headers(error: HTTPException) -> dict[str, str]:
    # The Allow header of a 405, the WWW-Authenticate of a 401 and the Retry-After of a
    # 429 or 503, which replacing the response would lose.
    kept = {"Allow", "WWW-Authenticate", "Retry-After"}
    headers = {k: v for k, v in error.get_headers() if k in kept}
    if error.response is not None:
        headers.update((k, v) for k, v in error.response.headers.items() if k in kept)
    return headers


@bp.app_errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    if isinstance(error, SecurityError):
        # An untrusted Host: no URL can be built for it, so no page that links anywhere.
        return f"{error.code} {error.name}: {error.description}", error.code, _plain_text()
    if isinstance(error, RateLimitExceeded):
        # Flask-Limiter's own description is the bare limit ("5 per 1 minute").
        error.description = (
            f"You have tried this too often: the limit is {error.description}. "
            "Please wait a minute, then try again."
        )
    return error_response(error)


def _plain_text() -> dict[str, str]:
    return {"Content-Type": "text/plain; charset=utf-8"}


@bp.app_errorhandler(InternalServerError)
def handle_internal_error(error: InternalServerError):
    # A half-done transaction must not leak into the next request on this connection.
    # Flask has already logged the exception with its traceback.
    db.session.rollback()
    return error_response(error)


# The database is unavailable: a 503 for every page and API call that needs it.

DATABASE_UNAVAILABLE = "The database is not answering. Please try again in a minute."


@bp.app_errorhandler(DBAPIError)
@bp.app_errorhandler(PoolTimeoutError)
def handle_database_error(error: Exception):
    if not is_database_unavailable(error):
        raise error  # the code's or the data's fault: a 500, logged with its traceback
    # One record per interval, not a traceback (and an e-mail) per request.
    database_outages().failure("Database unavailable; answering 503", error)
    discard_failed_session()
    return error_response(ServiceUnavailable(DATABASE_UNAVAILABLE), page=outage_page)


def outage_page(error: HTTPException) -> str:
    """The page of a database outage, which must not ask the database again (it would fail
    inside this handler, and wait for another timeout first). So it is the bare document,
    without base.html's navigation and whatever a user put there (current_user, say), and
    Jinja renders it without the context processors that render_template would run: one
    of them may load the user (Flask-Login's own does), or anything else an app adds."""
    return current_app.jinja_env.get_template("errors/unavailable.html").render(error=error)
