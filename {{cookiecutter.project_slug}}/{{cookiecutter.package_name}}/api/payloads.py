"""Validation of JSON request bodies: every problem is reported, nothing is half-applied."""

from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..request_input import text_problem

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000


class InvalidPayload(BadRequest):
    """A 400 whose JSON body names each invalid field (see errors/handlers.py)."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("The request body has invalid fields.")
        self.fields = fields


def json_object() -> dict[str, Any]:
    if not request.is_json:
        raise UnsupportedMediaType("Send a JSON body with Content-Type: application/json.")
    # A body that is not JSON, or nested too deeply, is a 400 naming the problem.
    body = request.get_json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def task_fields(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    """The task fields of `body`, checked; `partial` allows leaving any of them out."""
    errors: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for name in sorted(set(body) - {"title", "description", "done"}):
        errors[name] = "unknown field"
    if "title" in body or not partial:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            errors["title"] = "required, a non-empty string"
        elif problem := text_problem(title):
            errors["title"] = problem
        elif len(title.strip()) > TITLE_MAX_LENGTH:
            errors["title"] = f"at most {TITLE_MAX_LENGTH} characters"
        else:
            fields["title"] = title.strip()
    if "description" in body:
        description = body["description"]
        if not isinstance(description, str):
            errors["description"] = "must be a string"
        elif problem := text_problem(description):
            errors["description"] = problem
        elif len(description) > DESCRIPTION_MAX_LENGTH:
            errors["description"] = f"at most {DESCRIPTION_MAX_LENGTH} characters"
        else:
            fields["description"] = description
    if "done" in body:
        if not isinstance(body["done"], bool):
            errors["done"] = "must be true or false"
        else:
            fields["done"] = body["done"]
    if errors:
        raise InvalidPayload(errors)
    return fields
