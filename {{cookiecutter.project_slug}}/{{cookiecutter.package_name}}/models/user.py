"""Accounts: users, their roles, and what each role may do."""

import hashlib
from datetime import datetime
from enum import IntFlag

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utc_now

# argon2 encodings are ~100 characters; room for stronger parameters and other schemes.
PASSWORD_HASH_LENGTH = 255
EMAIL_LENGTH = 254  # the longest address SMTP can carry
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
    # Stored normalised (see normalise_email), so the unique index is case-insensitive
    # on every database.
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(PASSWORD_HASH_LENGTH))
    confirmed: Mapped[bool] = mapped_column(default=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    last_seen: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    role_id: Mapped[int | None] = mapped_column(ForeignKey("roles.id"), default=None)
    role: Mapped[Role | None] = relationship(lazy="joined")

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
        return f"{self.id}:{self.password_fingerprint}"

    def mark_confirmed(self) -> None:
        """The address is proven (its confirmation link, or any link sent to it)."""
        if not self.confirmed:
            self.confirmed, self.confirmed_at = True, utc_now()

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        return db.session.scalar(select(cls).where(cls.email == normalise_email(email)))

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"


class AnonymousUser(AnonymousUserMixin):
    def can(self, permission: Permission) -> bool:
        return False

    @property
    def is_administrator(self) -> bool:
        return False


def normalise_email(email: str) -> str:
    """One spelling per address: the domain is case-insensitive by standard, and in
    practice so is the local part at every common provider."""
    return email.strip().lower()
