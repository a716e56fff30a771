"""Flask-Login: who the current user is, and what an unconfirmed one may see."""

from datetime import timedelta
from typing import Any

from flask import abort, has_request_context, redirect, request, url_for
from flask_login import current_user

from ..errors.handlers import wants_json
from ..extensions import db, login_manager
from ..http_caching import has_session
from ..models import AnonymousUser, User
from ..models.types import utc_now
from .sessions import load_login

# Here, not in extensions.py with its other settings: the models import extensions.py.
login_manager.anonymous_user = AnonymousUser
# Holds nothing of a request: one serves every anonymous visitor.
ANONYMOUS = AnonymousUser()

# An unconfirmed user may use these endpoints (and no others).
UNCONFIRMED_ENDPOINTS = frozenset(
    {
        "auth.unconfirmed",
        "auth.confirm",
        "auth.resend_confirmation",
        "auth.logout",
        "main.status",
        "static",
        "bootstrap.static",
    }
)
# last_seen is written at most this often per user: not a write on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=5)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    authorization = request.authorization
    if authorization is not None and authorization.type == "bearer":
        return None  # a token request: the token says who it is (api/authentication.py)
    user_id, _, login_key = session_id.partition(":")
    if not user_id.isdigit() or not login_key:
        return None
    return load_login(int(user_id), login_key)


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        abort(401, description="Log in to use this endpoint.")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def current_visitor() -> User | AnonymousUser:
    """Flask-Login's `current_user`, or the anonymous user without asking Flask-Login when
    the request carries nothing that could name a user (off a request too: e-mails).
    Asking would hash the client's address and user agent for session protection on
    every page; the answer would be the anonymous user."""
    if has_request_context() and can_name_a_user():
        # The proxy: the user is loaded on first use, not here.
        return current_user  # type: ignore[no-any-return]
    return ANONYMOUS


def can_name_a_user() -> bool:
    """A session or remember cookie, or an Authorization header."""
    return has_session() or "HTTP_AUTHORIZATION" in request.environ


def template_visitor() -> dict[str, Any]:
    """Context processor: templates' `current_user`. Flask-Login's own would load the user
    before every template renders; this one is loaded only if a template asks, so the
    503 page of a database outage renders without the database."""
    return {"current_user": current_visitor()}


def limit_unconfirmed_users():
    # Anonymous visitors carry no session cookie: they cost one dict lookup here.
    if not has_session() or not current_visitor().is_authenticated:
        return None
    _record_last_seen(current_user)
    if current_user.confirmed or request.endpoint in UNCONFIRMED_ENDPOINTS:
        return None
    if wants_json():
        abort(403, description="Confirm your e-mail address first.")
    return redirect(url_for("auth.unconfirmed"))


def _record_last_seen(user: User) -> None:
    now = utc_now()
    if user.last_seen is None or now - user.last_seen >= LAST_SEEN_RESOLUTION:
        user.last_seen = now
        db.session.commit()
