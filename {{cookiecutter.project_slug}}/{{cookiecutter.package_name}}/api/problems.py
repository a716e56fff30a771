"""Errors of the API: the app's one error shape (RFC 9457 problem details, written by
errors/handlers.py), in the responses and in the OpenAPI document alike."""

from typing import Any

import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Api

from ..errors.handlers import PROBLEM_JSON


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
    """Documents errors in the app's shape. (Never bound to an app by Api.init_app, it
    registers no error handler: errors/handlers.py answers the API's errors.)"""

    ERROR_SCHEMA = ProblemSchema


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
