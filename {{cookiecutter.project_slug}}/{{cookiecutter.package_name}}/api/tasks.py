"""Tasks, a resource of the API (/api/v1/tasks). Every change goes through here or the
pages, and invalidates what it affects (tasks/statistics.py).

Reading is public. Changing needs a token or a logged-in session with the WRITE
permission (authentication.py); a task may be changed by its owner or a moderator.
"""

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint

from ..auth.permissions import permission_required
from ..extensions import db
from ..http_caching import public_page
from ..models import Permission, Task
from ..tasks.queries import editable_task_or_403, get_task_or_404, task_page
from ..tasks.statistics import task_statistics, tasks_changed
from .authentication import TOKEN, rate_limited
from .conditional import (
    ETAG_HEADERS,
    PRECONDITION_ERRORS,
    check_if_match,
    etag_header,
    etag_of,
    not_modified,
    not_modified_response,
)
from .pagination import page_body
from .problems import NOT_FOUND_ERRORS, WRITE_ERRORS, errors
from .task_schemas import (
    StatisticsSchema,
    TaskListArgs,
    TaskPageSchema,
    TaskSchema,
    TaskUpdateSchema,
    TaskWriteSchema,
)

blp = Blueprint(
    "tasks_api",
    __name__,
    url_prefix="/tasks",
    description="Tasks, the example model. Reading is public; changing needs a token.",
)


def task_etag(task: Task) -> str:
    return etag_of(TaskSchema().dump(task))


def task_location(task: Task) -> str:
    return url_for("tasks_api.get_task", task_id=task.id)


@blp.get("")
@blp.arguments(TaskListArgs, location="query", as_kwargs=True)
@blp.response(200, TaskPageSchema)
@errors(blp)
@rate_limited
def list_tasks(page: int, per_page: int, done: bool | None = None):
    """The tasks, newest first, a page at a time, optionally only done or open ones."""
    status = None if done is None else ("done" if done else "open")
    found = task_page(page, status, size=per_page)
    filters = {} if done is None else {"done": str(done).lower()}
    return page_body(found.tasks, page, per_page, found.has_next, **filters)


@blp.post("")
@blp.arguments(TaskWriteSchema)
@blp.response(201, TaskSchema, headers=ETAG_HEADERS)
@blp.doc(security=TOKEN)
@errors(blp, WRITE_ERRORS)
@permission_required(Permission.WRITE)
@rate_limited
def create_task(fields: dict[str, Any]):
    """Create a task, owned by the caller."""
    task = Task(**fields, owner_id=current_user.id)
    db.session.add(task)
    db.session.commit()
    tasks_changed()
    return task, 201, {"Location": task_location(task), **etag_header(task_etag(task))}


@blp.get("/<id:task_id>")
@blp.response(200, TaskSchema, headers=ETAG_HEADERS)
@blp.alt_response(304, description="Not modified: the If-None-Match ETag is current.")
@errors(blp, NOT_FOUND_ERRORS)
@rate_limited
def get_task(task_id: int):
    """One task, with its ETag."""
    task = get_task_or_404(task_id)
    etag = task_etag(task)
    if not_modified(etag):
        return not_modified_response(etag)
    return task, 200, etag_header(etag)


def change_task(task_id: int, fields: dict[str, Any]):
    task = editable_task_or_403(task_id)
    check_if_match(task_etag(task))
    changed = {name for name, value in fields.items() if getattr(task, name) != value}
    for name in changed:
        setattr(task, name, fields[name])
    db.session.commit()
    tasks_changed(changed)
    return task, 200, etag_header(task_etag(task))


def changes_one_task(schema: type) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """What PUT and PATCH share: a body checked by `schema`, the task with its ETag
    back, a token (or session) with the WRITE permission, and every error they give."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        view = permission_required(Permission.WRITE)(rate_limited(view))
        view = errors(blp, WRITE_ERRORS, NOT_FOUND_ERRORS, PRECONDITION_ERRORS)(view)
        view = blp.doc(security=TOKEN)(view)
        view = blp.response(200, TaskSchema, headers=ETAG_HEADERS)(view)
        return blp.arguments(schema)(view)

    return decorator


@blp.put("/<id:task_id>")
@changes_one_task(TaskWriteSchema)
def replace_task(fields: dict[str, Any], task_id: int):
    """Replace a task: what the body leaves out takes its default. If-Match optional."""
    return change_task(task_id, fields)


@blp.patch("/<id:task_id>")
@changes_one_task(TaskUpdateSchema)
def update_task(fields: dict[str, Any], task_id: int):
    """Change some fields of a task. If-Match optional."""
    return change_task(task_id, fields)


@blp.delete("/<id:task_id>")
@blp.response(204)
@blp.doc(security=TOKEN)
@errors(blp, ("FORBIDDEN",), NOT_FOUND_ERRORS, PRECONDITION_ERRORS)
@permission_required(Permission.WRITE)
@rate_limited
def delete_task(task_id: int):
    """Delete a task. If-Match optional."""
    task = editable_task_or_403(task_id)
    check_if_match(task_etag(task))
    db.session.delete(task)
    db.session.commit()
    tasks_changed()


@blp.get("/statistics")
@public_page
@blp.response(200, StatisticsSchema)
@errors(blp)
def statistics():
    """Counts over every task, cached (and the same for every client)."""
    return task_statistics()
