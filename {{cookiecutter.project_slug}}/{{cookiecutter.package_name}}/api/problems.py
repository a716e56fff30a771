"""Errors of the API: the app's one error shape (RFC 9457 problem details, written by
errors/handlers.py), in the responses and in the OpenAPI document alike."""

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Api, Blueprint
from werkzeug.exceptions import HTTPException

from ..errors.handlers import PROBLEM_JSON, handle_http_error

# What every operation may answer besides its success (problems.errors adds them).
COMMON_ERRORS = ("UNAUTHORIZED", "TOO_MANY_REQUESTS", "SERVICE_UNAVAILABLE")
# What a change may answer: refused (403), unreadable (400: and a missing CSRF token),
# not JSON (415). flask-smorest documents the 422 of an invalid body itself.
WRITE_ERRORS = ("FORBIDDEN", "BAD_REQUEST", "UNSUPPORTED_MEDIA_TYPE")
NOT_FOUND_ERRORS = ("NOT_FOUND",)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, the body of every error of the app in JSON."""

    type = ma.fields.String(required=True, metadata={"example": "about:blank"})
    title = ma.fields.String(required=True, metadata={"example": "Not Found"})
    status = ma.fields.Integer(required=True, metadata={"example": 404})
    detail = ma.fields.String(metadata={"example": "There is no task 12."})
    errors = ma.fields.Dict(
        metadata={"description": "What is wrong with each part of the request (422)."}
    )


class ProblemApi(Api):
    """flask-smorest's Api, with errors in the app's shape: documented by ProblemSchema,
    answered by the app's own handler."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException) -> Any:
        # Registered by the Api for every HTTPException of the app, pages included: the
        # app's handler answers them all (problem details or an HTML page).
        return handle_http_error(error)


class ProblemContentTypePlugin(BasePlugin):
    """flask-smorest documents its error responses as application/json: document them
    as what they are, application/problem+json (clients and schemathesis check it)."""

    def response_helper(self, response: dict[str, Any], **kwargs: Any) -> dict[str, Any] | None:
        content = response.get("content", {})
        described = content.get("application/json")
        if described is None or not _is_problem(described.get("schema")):
            return None
        return {"content": {PROBLEM_JSON: described}}


def _is_problem(schema: Any) -> bool:
    # The marshmallow plugin, which runs first, has already made the schema a reference.
    if isinstance(schema, dict):
        return schema.get("$ref", "").endswith("/Problem")
    return schema is ProblemSchema or isinstance(schema, ProblemSchema)


def errors(
    blp: Blueprint, *groups: tuple[str, ...]
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Document the error responses an operation of `blp` can give, COMMON_ERRORS and
    `groups` (the OpenAPI document lists every status a client may see, and
    schemathesis holds the API to it)."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        for group in (COMMON_ERRORS, *groups):
            for name in group:
                view = blp.alt_response(HTTPStatus[name], response=name)(view)
        return view

    return decorator
