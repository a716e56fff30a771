"""What the app accepts in a request body, whatever a client sends.

- A body over MAX_CONTENT_LENGTH is refused with 413 before anything reads it.
- A body the server cannot read (a malformed chunked encoding, one that ends before its
  Content-Length) is a 400, not a 500 (request_body.py).
- JSON nested too deeply for the parser is a 400, not a RecursionError (a 500).
- Text must be storable by every database: no NUL character (PostgreSQL refuses it)
  and no lone surrogate (no database encoding can hold one; JSON's "\\ud800" makes one).
"""

from typing import Any

from flask import Flask, Request, abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from .request_body import ReadableBody


class JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # request.get_json() turns a ValueError into a 400 naming it.
            raise ValueError("the JSON is nested too deeply") from None


class InputRequest(Request):
    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        # Flask's own answer hides the reason outside debug mode; a client needs it.
        if e is None:
            raise BadRequest("Send a JSON body with Content-Type: application/json.")
        raise BadRequest(f"The request body is not valid JSON: {e}.")


def text_problem(value: str) -> str | None:
    """Why this text cannot be stored, or None."""
    if "\x00" in value:
        return "must not contain NUL characters"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (it contains a lone surrogate)"
    return None


def refuse_oversized_bodies() -> None:
    # Werkzeug would also refuse while reading; checking the declared length first
    # answers before authentication, CSRF or form parsing run.
    if not request.environ.get("CONTENT_LENGTH"):
        return  # no declared body (most GETs): Werkzeug's limit still applies to reading
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if request.content_length is not None and request.content_length > limit:
        abort(413, description=f"The request body is larger than {limit} bytes.")


def init_request_input(app: Flask) -> None:
    app.request_class = InputRequest
    app.wsgi_app = ReadableBody(app.wsgi_app)  # type: ignore[method-assign]
    app.json = JSONProvider(app)
    # Registered before the extensions' hooks, so it runs first.
    app.before_request(refuse_oversized_bodies)
