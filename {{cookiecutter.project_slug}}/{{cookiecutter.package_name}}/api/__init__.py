"""The JSON API, version 1 (/api/v1/...), its OpenAPI document (/api/openapi.json) and
its documentation page (/api/docs), through flask-smorest: the schemas in schemas.py
validate every request and write the document."""

from flask import Flask
from flask_smorest import Blueprint

bp = Blueprint(
    "tasks_api",
    __name__,
    url_prefix="/api/v1",
    description="Tasks, the example model. Reading is public; changing needs a token.",
)

API_VERSION = "1"


def init_api(app: Flask) -> None:
    from ..extensions import api, csrf
    from ..routing import IdConverter
    from . import authentication, docs, tasks  # noqa: F401 (they register on bp)

    app.config.update(
        API_TITLE=app.config["APP_NAME"],
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    api.init_app(app)
    # Path ids (routing.py) are documented as what they are: whole numbers.
    api.register_converter(IdConverter, lambda converter: {"type": "integer", "minimum": 0})
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "A personal access token."},
    )
    # The API checks CSRF itself (authentication.py): not for token requests, and after
    # authentication, so that an anonymous client is told to authenticate (401).
    csrf.exempt(bp)
    api.register_blueprint(bp)
    app.register_blueprint(docs.bp, url_prefix="/api/docs")
