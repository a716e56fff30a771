"""Personal access tokens: a user's secrets for scripts, stored only as their hash."""

import hmac
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utc_now
from .user import User

TOKEN_NAME_LENGTH = 100
TOKEN_HASH_LENGTH = 64  # SHA-256, hex
TOKEN_PREFIX_LENGTH = 16
FINGERPRINT_LENGTH = 16  # User.password_fingerprint


class ApiToken(db.Model):
    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_api_tokens_user_id_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(lazy="joined")
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_LENGTH))
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LENGTH), unique=True, index=True)
    # The start of the secret, harmless to show: how the owner recognises a token.
    prefix: Mapped[str] = mapped_column(String(TOKEN_PREFIX_LENGTH))
    # The owner's password_fingerprint when it was issued: a new password revokes it.
    password_fingerprint: Mapped[str] = mapped_column(String(FINGERPRINT_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    def is_live(self, now: datetime) -> bool:
        """Unexpired, and the owner's password is the one it was issued under."""
        if self.expires_at is not None and self.expires_at <= now:
            return False
        return hmac.compare_digest(self.password_fingerprint, self.user.password_fingerprint)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r} of user {self.user_id}>"
