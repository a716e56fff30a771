"""Validation of JSON request bodies: every problem is reported, nothing is half-applied."""

from collections.abc import Callable
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from ..models.task import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH
from ..request_input import text_problem


class InvalidPayload(BadRequest):
    """A 400 whose JSON body names each invalid field (see errors/handlers.py)."""

    def __init__(self, fields: dict[str, str]) -> None:
        super().__init__("The request body has invalid fields.")
        self.fields = fields


class FieldError(ValueError):
    """What is wrong with one field's value, as the 400 names it."""


def json_object() -> dict[str, Any]:
    if not request.is_json:
        raise UnsupportedMediaType("Send a JSON body with Content-Type: application/json.")
    # A body that is not JSON, or nested too deeply, is a 400 naming the problem.
    body = request.get_json()
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object.")
    return body


def storable_text(value: str, max_length: int) -> str:
    if problem := text_problem(value):
        raise FieldError(problem)
    if len(value) > max_length:
        raise FieldError(f"at most {max_length} characters")
    return value


def title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError("required, a non-empty string")
    return storable_text(value.strip(), TITLE_MAX_LENGTH)


def description(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldError("must be a string")
    return storable_text(value, DESCRIPTION_MAX_LENGTH)


def done(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError("must be true or false")
    return value


# Each task field and the function that checks its value and returns what is stored.
TASK_FIELDS: dict[str, Callable[[Any], Any]] = {
    "title": title,
    "description": description,
    "done": done,
}
REQUIRED_TASK_FIELDS = frozenset({"title"})


def task_fields(body: dict[str, Any], partial: bool) -> dict[str, Any]:
    """The task fields of `body`, checked; `partial` allows leaving any of them out."""
    errors = dict.fromkeys(body.keys() - TASK_FIELDS.keys(), "unknown field")
    required = set() if partial else REQUIRED_TASK_FIELDS
    fields: dict[str, Any] = {}
    for name, check in TASK_FIELDS.items():
        if name not in body and name not in required:
            continue
        try:
            fields[name] = check(body.get(name))
        except FieldError as problem:
            errors[name] = str(problem)
    if errors:
        raise InvalidPayload(errors)
    return fields
