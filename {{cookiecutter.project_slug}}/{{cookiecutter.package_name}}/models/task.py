from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utc_now
from .user import Permission, User

# The limits the form and the API check before anything reaches the database.
TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000  # a Text column: the limit is ours, not the database's


class Task(db.Model):
    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    done: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    # Tasks from before accounts existed (and of deleted users) have no owner.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )

    def editable_by(self, user: User) -> bool:
        return user.is_authenticated and (self.owner_id == user.id or user.can(Permission.MODERATE))

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.title!r}>"
