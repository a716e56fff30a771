"""Conditional requests on a task: an ETag on every read and write of it, 304 for a
matching If-None-Match, and 412 for an If-Match that no longer matches, so that two
clients editing the same task cannot overwrite each other unknowingly."""

import hashlib
import json

from flask import request
from werkzeug.exceptions import PreconditionFailed

from ..models import Task
from .schemas import TaskSchema

ETAG_HEADERS = {
    "ETag": {
        "description": "The task's version, for If-Match and If-None-Match.",
        "schema": {"type": "string"},
    }
}


def task_etag(task: Task) -> str:
    state = json.dumps(TaskSchema().dump(task), sort_keys=True)
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def etag_header(etag: str) -> dict[str, str]:
    return {"ETag": f'"{etag}"'}


def not_modified(etag: str) -> bool:
    """Whether the client's copy (If-None-Match) is still the task's state."""
    return request.if_none_match.contains_weak(etag)


def check_if_match(task: Task) -> None:
    """No If-Match: the change applies. An If-Match: only to the version it names."""
    if request.if_match and not request.if_match.contains(task_etag(task)):
        raise PreconditionFailed(
            "The task changed since you read it: get it again, then retry with its new ETag."
        )
