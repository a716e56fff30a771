"""Logins: what a session cookie and a remember cookie stand for.

Each login has a row, and both cookies name it (User.get_id). Logging out deletes the
row, so a copy of either cookie taken before stops working; "log out everywhere", a new
password and a reset delete the user's rows; a row also ends at its expiry, whatever the
cookie in a client's hands says.
"""

import hashlib
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utc_now
from .user import User

LOGIN_KEY_HASH_LENGTH = 64  # SHA-256, hex


class LoginSession(db.Model):
    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # One query loads the login, its user and the user's role (User.role is joined too).
    user: Mapped[User] = relationship(back_populates="logins", lazy="joined")
    # The cookies carry the key; the database keeps only its hash, so a copy of the
    # database opens no account.
    key_hash: Mapped[str] = mapped_column(String(LOGIN_KEY_HASH_LENGTH), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<LoginSession {self.id} of user {self.user_id}, until {self.expires_at}>"


def hash_login_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
