"""JSON API for tasks. Every change goes through here and invalidates what it affects.

Reading is public. Changing needs a logged-in, confirmed user with the WRITE permission
(the session cookie, plus the CSRF token of the page in an X-CSRFToken header); a task
may be changed by its owner or a moderator.
"""

from typing import Any

from flask import jsonify
from flask_login import current_user

from ..auth.permissions import permission_required
from ..extensions import db
from ..http_caching import public_page
from ..models import Permission, Task
from ..tasks.queries import editable_task_or_403, get_task_or_404, newest_tasks
from ..tasks.statistics import task_statistics, tasks_changed
from . import bp
from .payloads import json_object, task_fields


def task_json(task: Task) -> dict[str, Any]:
    return {
        "id": task.id,
        "title": task.title,
        "description": task.description,
        "done": task.done,
        "created_at": task.created_at.isoformat(),
        "owner_id": task.owner_id,
    }


@bp.get("/tasks")
def list_tasks():
    return {"tasks": [task_json(task) for task in newest_tasks()]}


@bp.post("/tasks")
@permission_required(Permission.WRITE)
def create_task():
    task = Task(**task_fields(json_object(), partial=False), owner_id=current_user.id)
    db.session.add(task)
    db.session.commit()
    tasks_changed()
    return task_json(task), 201, {"Location": f"/api/tasks/{task.id}"}


@bp.get("/tasks/<id:task_id>")
def get_task(task_id: int):
    return task_json(get_task_or_404(task_id))


@bp.patch("/tasks/<id:task_id>")
@permission_required(Permission.WRITE)
def update_task(task_id: int):
    task = editable_task_or_403(task_id)
    fields = task_fields(json_object(), partial=True)
    changed = {name for name, value in fields.items() if getattr(task, name) != value}
    for name in changed:
        setattr(task, name, fields[name])
    db.session.commit()
    tasks_changed(changed)
    return task_json(task)


@bp.delete("/tasks/<id:task_id>")
@permission_required(Permission.WRITE)
def delete_task(task_id: int):
    db.session.delete(editable_task_or_403(task_id))
    db.session.commit()
    tasks_changed()
    return "", 204


@bp.get("/tasks/statistics")
@public_page
def statistics():
    return jsonify(task_statistics())
