"""Logging in and out through login records (models/login_session.py).

Flask-Login keeps `User.get_id()` in the session and in the remember cookie; here that
names a row of this login, so the server decides when a login ends: logout, "log out
everywhere", a new password or a reset delete rows, and a row expires on its own (the
remember cookie's days, or the session's lifetime) even if a client keeps a copy of
either cookie.
"""

import secrets
from datetime import timedelta

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import delete, select

from ..extensions import db
from ..models import LoginSession, User
from ..models.login_session import hash_login_key
from ..models.types import utc_now


def log_in(user: User, remember: bool = False) -> None:
    """A new login for `user` in this browser; nothing of the session before survives."""
    now = utc_now()
    key = secrets.token_urlsafe(32)
    # The user's expired logins go now: the table holds live logins and few others.
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    db.session.add(
        LoginSession(
            user_id=user.id,
            key_hash=hash_login_key(key),
            created_at=now,
            expires_at=now + login_lifetime(remember),
        )
    )
    db.session.commit()
    user.login_key = key
    session.clear()
    login_user(user, remember=remember)


def login_lifetime(remember: bool) -> timedelta:
    """As long as the cookie that carries the login: the remember cookie's days, or
    the signed session cookie's lifetime (which Flask checks even for a session that
    ends with the browser)."""
    if not remember:
        return current_app.permanent_session_lifetime
    duration = current_app.config["REMEMBER_COOKIE_DURATION"]
    return duration if isinstance(duration, timedelta) else timedelta(seconds=duration)


def load_login(user_id: int, key: str) -> User | None:
    """The user of a live login, or None when it ended (logged out, expired, removed)."""
    login = db.session.scalar(
        select(LoginSession).where(LoginSession.key_hash == hash_login_key(key))
    )
    if login is None or login.user_id != user_id or login.expires_at <= utc_now():
        return None
    login.user.login_key = key
    return login.user


def log_out(user: User) -> None:
    """End this browser's login: its row, its session and its remember cookie."""
    if user.login_key is not None:
        db.session.execute(
            delete(LoginSession).where(LoginSession.key_hash == hash_login_key(user.login_key))
        )
        db.session.commit()
    forget_login()


def forget_login() -> None:
    """Clear this browser's session and remember cookie. The session is cleared first:
    logout_user() leaves a note in it that makes Flask-Login delete the remember cookie,
    and clearing the session after would remove the note and keep the cookie."""
    session.clear()
    logout_user()


def end_logins(user: User, keep_current: bool = False) -> None:
    """End every login of `user` (or every other one, with keep_current): for "log out
    everywhere", a new password and a reset. The caller commits."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_current and user.login_key is not None:
        query = query.where(LoginSession.key_hash != hash_login_key(user.login_key))
    db.session.execute(query)
