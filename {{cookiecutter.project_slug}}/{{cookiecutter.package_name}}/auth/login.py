"""Flask-Login: who the current user is, and what an unconfirmed one may see."""

from datetime import timedelta
from typing import Any

from flask import abort, current_app, has_request_context, redirect, request, session, url_for
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
    """Flask-Login's current user, without asking Flask-Login when the request cannot name
    one. Asking would hash the client's address and user agent for session protection on
    every page; the answer would be the anonymous user."""
    if can_name_a_user():
        return current_user._get_current_object()  # type: ignore[no-any-return]
    return ANONYMOUS


def can_name_a_user() -> bool:
    """A user in the session, a remember cookie or an Authorization header."""
    # The objects behind the proxies: see http_caching.has_session.
    current = request._get_current_object()  # type: ignore[attr-defined]
    config = current_app._get_current_object().config  # type: ignore[attr-defined]
    return (
        "_user_id" in session._get_current_object()  # type: ignore[attr-defined]
        or config["REMEMBER_COOKIE_NAME"] in current.cookies
        or "HTTP_AUTHORIZATION" in current.environ  # not .headers: a miss there raises
    )


def template_visitor() -> dict[str, Any]:
    """Context processor: templates' `current_user`. The anonymous user itself when the
    request cannot name a user (most pages read it twice, a proxy costs each time), and
    for templates rendered off a request (e-mails)."""
    if has_request_context() and can_name_a_user():
        # Flask-Login's proxy: the user is loaded only if a template asks, so the 503 page
        # of a database outage renders without the database.
        return {"current_user": current_user}
    return {"current_user": ANONYMOUS}


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
