"""Queries over tasks shared by the HTML pages and the JSON API, and the one check of
who may change a task."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select

from ..extensions import db
from ..models import Task

PAGE_SIZE = 20
# The statuses the list can be filtered by, and the condition of each.
STATUSES = {"open": Task.done.is_(False), "done": Task.done.is_(True)}


def newest_first(query: Select) -> Select:
    """The newest tasks first; the id breaks ties between tasks created together."""
    return query.order_by(Task.created_at.desc(), Task.id.desc())


@dataclass(frozen=True)
class TaskPage:
    tasks: Sequence[Task]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def task_page(number: int, status: str | None = None, size: int = PAGE_SIZE) -> TaskPage:
    """Page `number` (from 1) of the tasks with `status` (None: all), newest first.

    One query and no count: a row beyond the page tells that there is a next one (the
    figures on the page come from the cached statistics). A page past the last is empty.
    """
    number = max(number, 1)
    listed = newest_first(select(Task))
    condition = STATUSES.get(status or "")
    if condition is not None:
        listed = listed.where(condition)
    rows = db.session.scalars(listed.offset((number - 1) * size).limit(size + 1)).all()
    return TaskPage(tasks=rows[:size], number=number, has_next=len(rows) > size)


def get_task_or_404(task_id: int) -> Task:
    return db.get_or_404(Task, task_id, description=f"There is no task {task_id}.")


def editable_task_or_403(task_id: int) -> Task:
    """The task, if the current user may change it: 404 for an unknown id, 403 for
    anyone but its owner or a moderator (the pages and the API alike)."""
    task = get_task_or_404(task_id)
    if not task.editable_by(current_user):
        abort(403, description="Only the task's owner or a moderator may change it.")
    return task


def editable_ids(tasks: Iterable[Task]) -> set[int]:
    """The ids of the tasks the current user may change: the list gives them buttons."""
    return {task.id for task in tasks if task.editable_by(current_user)}
