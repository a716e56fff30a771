"""Tasks, version 1 of the API. Every change goes through here or the pages, and
invalidates what it affects (tasks/statistics.py).

Reading is public. Changing needs a token or a logged-in session with the WRITE
permission (authentication.py); a task may be changed by its owner or a moderator.
"""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from flask import Response, make_response, url_for
from flask_login import current_user

from ..auth.permissions import permission_required
from ..extensions import db
from ..http_caching import public_page
from ..models import Permission, Task
from ..tasks.queries import editable_task_or_403, get_task_or_404, task_page
from ..tasks.statistics import task_statistics, tasks_changed
from .authentication import rate_limited
from .conditional import ETAG_HEADERS, check_if_match, etag_header, not_modified, task_etag
from .document import blp, route
from .schemas import (
    StatisticsSchema,
    TaskListArgs,
    TaskPageSchema,
    TaskSchema,
    TaskUpdateSchema,
    TaskWriteSchema,
)

TOKEN = [{"bearerAuth": []}]
# What every operation may answer besides its success.
COMMON_ERRORS = ("UNAUTHORIZED", "TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE")
WRITE_ERRORS = ("FORBIDDEN", "BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE")
ONE_TASK_ERRORS = ("NOT_FOUND",)
CONDITIONAL_ERRORS = ("PRECONDITION_FAILED",)


def errors(*groups: tuple[str, ...]):
    """Document the error responses an operation can give (the OpenAPI document lists
    every status a client may see, and schemathesis holds the API to it)."""

    def decorator(view):
        for group in (COMMON_ERRORS, *groups):
            for name in group:
                view = blp.alt_response(HTTPStatus[name], response=name)(view)
        return view

    return decorator


def task_location(task: Task) -> str:
    return url_for("tasks_api.get_task", task_id=task.id)


def page_link(args: dict[str, Any], page: int) -> str:
    return url_for("tasks_api.list_tasks", **{**args, "page": page})


@route
@blp.arguments(TaskListArgs, location="query", as_kwargs=True)
@blp.response(200, TaskPageSchema)
@errors()
@rate_limited
def list_tasks(page: int, per_page: int, done: bool | None = None):
    """The tasks, newest first, a page at a time, optionally only done or open ones."""
    status = None if done is None else ("done" if done else "open")
    found = task_page(page, status, size=per_page)
    args = {"per_page": per_page} | ({} if done is None else {"done": str(done).lower()})
    return {
        "items": found.tasks,
        "page": page,
        "per_page": per_page,
        "links": {
            "self": page_link(args, page),
            "next": page_link(args, page + 1) if found.has_next else None,
            "previous": page_link(args, page - 1) if page > 1 else None,
        },
    }


@route
@blp.arguments(TaskWriteSchema)
@blp.response(201, TaskSchema, headers=ETAG_HEADERS)
@blp.doc(security=TOKEN)
@errors(WRITE_ERRORS)
@permission_required(Permission.WRITE)
@rate_limited
def create_task(fields: dict[str, Any]):
    """Create a task, owned by the caller."""
    task = Task(**fields, owner_id=current_user.id)
    db.session.add(task)
    db.session.commit()
    tasks_changed()
    return task, 201, {"Location": task_location(task), **etag_header(task_etag(task))}


@route
@blp.response(200, TaskSchema, headers=ETAG_HEADERS)
@blp.alt_response(304, description="Not modified: the If-None-Match ETag is current.")
@errors(ONE_TASK_ERRORS)
@rate_limited
def get_task(task_id: int):
    """One task, with its ETag."""
    task = get_task_or_404(task_id)
    etag = task_etag(task)
    if not_modified(etag):
        response: Response = make_response("", 304)
        response.headers.update(etag_header(etag))
        return response
    return task, 200, etag_header(etag)


def change_task(task_id: int, fields: dict[str, Any]):
    task = editable_task_or_403(task_id)
    check_if_match(task)
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
        view = errors(WRITE_ERRORS, ONE_TASK_ERRORS, CONDITIONAL_ERRORS)(view)
        view = blp.doc(security=TOKEN)(view)
        view = blp.response(200, TaskSchema, headers=ETAG_HEADERS)(view)
        return blp.arguments(schema)(view)

    return decorator


@route
@changes_one_task(TaskWriteSchema)
def replace_task(fields: dict[str, Any], task_id: int):
    """Replace a task: what the body leaves out takes its default. If-Match optional."""
    return change_task(task_id, fields)


@route
@changes_one_task(TaskUpdateSchema)
def update_task(fields: dict[str, Any], task_id: int):
    """Change some fields of a task. If-Match optional."""
    return change_task(task_id, fields)


@route
@blp.response(204)
@blp.doc(security=TOKEN)
@errors(("FORBIDDEN",), ONE_TASK_ERRORS, CONDITIONAL_ERRORS)
@permission_required(Permission.WRITE)
@rate_limited
def delete_task(task_id: int):
    """Delete a task. If-Match optional."""
    task = editable_task_or_403(task_id)
    check_if_match(task)
    db.session.delete(task)
    db.session.commit()
    tasks_changed()


@route
@public_page
@blp.response(200, StatisticsSchema)
@errors()
def statistics():
    """Counts over every task, cached (and the same for every client)."""
    return task_statistics()
