"""Conditional requests: an ETag on every read and write of one item, 304 for a matching
If-None-Match, and 412 for an If-Match that no longer matches, so that two clients
editing the same item cannot overwrite each other unknowingly.

The ETag is a hash of what the client gets (the item as its schema dumps it): it
changes exactly when the item's representation does.
"""

import hashlib
import json
from typing import Any

from flask import Response, make_response, request
from werkzeug.exceptions import PreconditionFailed

ETAG_HEADERS = {
    "ETag": {
        "description": "The item's version, for If-Match and If-None-Match.",
        "schema": {"type": "string"},
    }
}
# What a conditional change may answer besides its success (problems.errors).
PRECONDITION_ERRORS = ("PRECONDITION_FAILED",)


def etag_of(dumped: Any) -> str:
    """The ETag of an item as its schema dumps it (a JSON-ready value)."""
    state = json.dumps(dumped, sort_keys=True)
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def etag_header(etag: str) -> dict[str, str]:
    return {"ETag": f'"{etag}"'}


def not_modified(etag: str) -> bool:
    """Whether the client's copy (If-None-Match) is still the item's state."""
    return request.if_none_match.contains_weak(etag)


def not_modified_response(etag: str) -> Response:
    response: Response = make_response("", 304)
    response.headers.update(etag_header(etag))
    return response


def check_if_match(etag: str) -> None:
    """No If-Match: the change applies. An If-Match: only to the version it names."""
    if request.if_match and not request.if_match.contains(etag):
        raise PreconditionFailed(
            "It changed since you read it: get it again, then retry with its new ETag."
        )
