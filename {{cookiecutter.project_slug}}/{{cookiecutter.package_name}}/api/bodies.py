"""The body of an API request that sends one: JSON, checked before the view's schema."""

from flask import request
from werkzeug.exceptions import UnsupportedMediaType

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def require_a_json_body() -> None:
    """Before every request to a resource of the API, after authentication: who you
    are comes first."""
    if request.method not in BODY_METHODS:
        return
    if not request.is_json:
        raise UnsupportedMediaType("Send a JSON body with Content-Type: application/json.")
    # Parsed once by Flask first: a body that is not JSON, or nested too deeply, is a 400
    # naming the reason (request_input.py), before webargs parses it for the schema.
    request.get_json()
