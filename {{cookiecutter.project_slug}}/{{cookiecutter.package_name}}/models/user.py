"""Accounts: users, their roles, and what each role may do."""

import hashlib
from datetime import datetime
from enum import IntFlag
from typing import TYPE_CHECKING

from email_validator import EmailNotValidError, validate_email
from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utc_now

if TYPE_CHECKING:
    from .login_session import LoginSession

# argon2 encodings are ~100 characters; room for stronger parameters and other schemes.
PASSWORD_HASH_LENGTH = 255
EMAIL_LENGTH = 254  # the longest address SMTP can carry
# Addresses compare byte for byte, as normalise_email spells them: MySQL's default
# collations would make "exämple" equal "example", and "a " equal "a".
EMAIL_TYPE = String(EMAIL_LENGTH).with_variant(
    mysql.VARCHAR(EMAIL_LENGTH, charset="utf8mb4", collation="utf8mb4_bin"), "mysql", "mariadb"
)
ROLE_NAME_LENGTH = 64


class Permission(IntFlag):
    READ = 1
    WRITE = 2
    MODERATE = 4
    ADMIN = 8


# The roles `flask roles sync` (and migration 0002) keep in the database.
DEFAULT_ROLE = "User"
ROLES = {
    "User": Permission.READ | Permission.WRITE,
    "Moderator": Permission.READ | Permission.WRITE | Permission.MODERATE,
    "Administrator": Permission.READ | Permission.WRITE | Permission.MODERATE | Permission.ADMIN,
}
ADMIN_ROLE = "Administrator"


class Role(db.Model):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(ROLE_NAME_LENGTH), unique=True)
    permissions: Mapped[int] = mapped_column(default=0)

    def has(self, permission: Permission) -> bool:
        return self.permissions & permission == permission

    @classmethod
    def named(cls, name: str) -> "Role | None":
        return db.session.scalar(select(cls).filter_by(name=name))

    def __repr__(self) -> str:
        return f"<Role {self.name} {Permission(self.permissions)!r}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (see normalise_email): one spelling per mailbox, so the unique
    # index holds one account per mailbox on every database.
    email: Mapped[str] = mapped_column(EMAIL_TYPE, unique=True)
    password_hash: Mapped[str] = mapped_column(String(PASSWORD_HASH_LENGTH))
    confirmed: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"), default=None)
    role: Mapped[Role | None] = relationship(lazy="joined")
    # Deleting a user through the ORM deletes its logins on every database (SQLite
    # enforces ON DELETE CASCADE only when asked to).
    logins: Mapped[list["LoginSession"]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    # Which login (models/login_session.py) this user object was loaded for: set by the
    # user loader and at login, not stored in this table.
    login_key = None

    def can(self, permission: Permission) -> bool:
        return self.role is not None and self.role.has(permission)

    @property
    def is_administrator(self) -> bool:
        return self.can(Permission.ADMIN)

    @property
    def password_fingerprint(self) -> str:
        """Changes whenever the password does; tokens and sessions carry it, so a new
        password ends every other session and every unused reset link."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: this user's
        current login, which logging out deletes (auth/sessions.py)."""
        return f"{self.id}:{self.login_key}"

    def mark_confirmed(self) -> None:
        """The address is proven (its confirmation link, or any link sent to it)."""
        if not self.confirmed:
            self.confirmed, self.confirmed_at = True, utc_now()

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        try:
            email = normalise_email(email)
        except EmailNotValidError:
            return None  # no account has an address that cannot be mailed
        return db.session.scalar(select(cls).where(cls.email == email))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


class AnonymousUser(AnonymousUserMixin):
    login_key = None

    def can(self, permission: Permission) -> bool:
        return False

    @property
    def is_administrator(self) -> bool:
        return False


def normalise_email(email: str) -> str:
    """The one spelling of a mailbox that the app stores, compares and mails: the
    address as email-validator reads it (Unicode NFKC, so full-width letters are plain
    ones), the domain in its IDNA (ASCII) form, as the mail library sends it, and the
    local part lower-cased (case-insensitive in practice at every common provider).

    Raises EmailNotValidError (a ValueError) for an address the app cannot use,
    including one with non-ASCII characters before the @: delivering to it needs
    SMTPUTF8, which the app does not rely on, so no such account could be confirmed.
    """
    address = validate_email(email.strip(), check_deliverability=False, allow_smtputf8=False)
    local_part, _, domain = address.ascii_email.rpartition("@")
    return f"{local_part.lower()}@{domain.lower()}"
