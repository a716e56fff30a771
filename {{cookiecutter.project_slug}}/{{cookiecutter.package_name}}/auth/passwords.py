"""Password hashing (Argon2id) and the rules a new password must meet."""

from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    # Imported where a password is hashed or checked: a worker that serves pages only
    # never loads it.
    from argon2 import PasswordHasher

PASSWORD_MAX_LENGTH = 256  # beyond this a "password" is a denial-of-service attempt
# Hashed when the e-mail is unknown, so a wrong address takes as long as a wrong password.
_UNKNOWN_USER_PASSWORD = "no such user: this only spends the time a real check would"  # noqa: S105


def hasher() -> "PasswordHasher":
    config = current_app.config
    return _hasher(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_COST"], config["ARGON2_PARALLELISM"]
    )


@cache
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> "PasswordHasher":
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the account exists (pass None for a missing one)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    ph = hasher()
    if password_hash is None:
        password_hash = _unknown_user_hash(ph)
        password = password + "\x00"  # never matches
    try:
        return ph.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _unknown_user_hash(ph: "PasswordHasher") -> str:
    # One per hasher, and _hasher() keeps one hasher per set of parameters.
    return ph.hash(_UNKNOWN_USER_PASSWORD)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than the configured ones."""
    from argon2.exceptions import InvalidHashError

    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password may not be used, or None. Length and a list of common
    passwords, as NIST SP 800-63B asks; no composition rules."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return f"Use at least {minimum} characters."
    if len(password) > PASSWORD_MAX_LENGTH:
        return f"Use at most {PASSWORD_MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) < 3:
        return "This password is too common; choose one that is harder to guess."
    local_part = email.partition("@")[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        return "The password must not contain your e-mail address."
    return None


@cache
def common_passwords() -> frozenset[str]:
    text = files(__package__).joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower()
        for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )
