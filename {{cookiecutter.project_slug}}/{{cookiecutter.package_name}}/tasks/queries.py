"""Queries over tasks shared by the HTML pages and the JSON API."""

from collections.abc import Sequence

from sqlalchemy import select

from ..extensions import db
from ..models import Task

LIST_LIMIT = 100


def newest_tasks() -> Sequence[Task]:
    """The newest tasks first; the id breaks ties between tasks created together."""
    newest = select(Task).order_by(Task.created_at.desc(), Task.id.desc()).limit(LIST_LIMIT)
    return db.session.scalars(newest).all()
