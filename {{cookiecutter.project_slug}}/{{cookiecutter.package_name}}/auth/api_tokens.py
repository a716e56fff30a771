"""Personal access tokens: issue, check, list and revoke a user's API tokens.

A secret is "pat_" and 256 random bits; only its SHA-256 is stored. A fast hash is
right here, unlike for passwords: nobody can guess 256 random bits, however fast.
A token ends when it expires, when it is revoked, or when its owner's password
changes (it carries the password fingerprint it was issued under, as sessions do).
"""

import hashlib
import re
import secrets
from datetime import timedelta

from sqlalchemy import ColumnElement, delete, select

from ..extensions import db
from ..models import ApiToken, User
from ..models.api_token import TOKEN_NAME_LENGTH
from ..models.types import utc_now
from ..request_input import text_problem
from ..routing import MAX_ID

SECRET_PREFIX = "pat_"  # noqa: S105 (what every token starts with, not a secret)
SECRET_BYTES = 32
# What token_urlsafe(32) makes: 43 characters of the URL-safe base64 alphabet.
SECRET_FORMAT = re.compile(r"pat_[A-Za-z0-9_-]{43}")
SHOWN_PREFIX_LENGTH = len(SECRET_PREFIX) + 8
# last_used_at is written at most this often per token: not a write on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user: User, name: str, expires_in_days: int | None) -> tuple[ApiToken, str]:
    """A new token for `user` (added to the session, not committed) and its secret,
    which exists nowhere else: show it once. ValueError says what is wrong with the
    name or the expiry."""
    name = _checked_name(name)
    if expires_in_days is not None and expires_in_days < 1:
        raise ValueError("A token must last at least one day.")
    # Dead tokens keep their names until deleted: free them first.
    _delete_dead_tokens(user)
    if any(token.name.casefold() == name.casefold() for token in _tokens_of(user)):
        raise ValueError(f"You already have a token named “{name}”. Choose another name.")
    secret = SECRET_PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    now = utc_now()
    token = ApiToken(
        user_id=user.id,
        name=name,
        token_hash=hash_secret(secret),
        prefix=secret[:SHOWN_PREFIX_LENGTH],
        password_fingerprint=user.password_fingerprint,
        created_at=now,
        expires_at=None if expires_in_days is None else now + timedelta(days=expires_in_days),
    )
    db.session.add(token)
    return token, secret


def _checked_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValueError("Give the token a name, for example the machine or script using it.")
    if len(name) > TOKEN_NAME_LENGTH:
        raise ValueError(f"A token name has at most {TOKEN_NAME_LENGTH} characters.")
    if problem := text_problem(name):
        raise ValueError(f"A token name {problem}.")
    return name


def user_for_token(secret: str) -> tuple[User, ApiToken] | None:
    """The confirmed owner of a live token, and the token; None for anything else.

    Records when the token was last used (committing, at most once a minute)."""
    # The format check comes first: hostile text (huge, NUL, non-ASCII) stops here.
    if not isinstance(secret, str) or not SECRET_FORMAT.fullmatch(secret):
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    now = utc_now()
    if token is None or not token.is_live(now) or not token.user.confirmed:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token.user, token


def live_tokens(user: User) -> list[ApiToken]:
    """The user's working tokens, newest first; deletes (and commits) the dead ones."""
    if _delete_dead_tokens(user):
        db.session.commit()
    return _tokens_of(user)


def revoke_token(user: User, name: str) -> bool:
    """Delete (and commit) the user's token of that name; False when there is none."""
    if not isinstance(name, str) or text_problem(name):
        return False  # no token has such a name; the database might refuse the text
    return _revoke(user, ApiToken.name == name)


def revoke_token_by_id(user: User, token_id: int) -> str | None:
    """Delete (and commit) the user's token with that id; its name, or None when the
    user has none (another user's token included)."""
    if not isinstance(token_id, int) or not 0 < token_id <= MAX_ID:
        return None  # no row has it; the database might refuse the number
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.id == token_id)
    )
    if token is None:
        return None
    name = token.name
    db.session.delete(token)
    db.session.commit()
    return name


def _revoke(user: User, condition: ColumnElement[bool]) -> bool:
    deleted = db.session.execute(
        delete(ApiToken).where(ApiToken.user_id == user.id, condition)
    ).rowcount
    db.session.commit()
    return deleted > 0


def _tokens_of(user: User) -> list[ApiToken]:
    query = select(ApiToken).where(ApiToken.user_id == user.id)
    return list(db.session.scalars(query.order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def _delete_dead_tokens(user: User) -> bool:
    """Delete the user's expired and revoked tokens (no commit); whether there were any."""
    now = utc_now()
    dead = [token for token in _tokens_of(user) if not token.is_live(now)]
    for token in dead:
        db.session.delete(token)
    if dead:
        db.session.flush()  # their names are free for a new token in this transaction
    return bool(dead)
