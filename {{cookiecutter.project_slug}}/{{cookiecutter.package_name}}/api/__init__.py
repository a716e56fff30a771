"""The JSON API, version 1 (/api/v1/...), its OpenAPI document (/api/openapi.json) and
its documentation page (/api/docs), through flask-smorest.

A resource of the API is a module of this package with a flask-smorest Blueprint named
`blp`, named in RESOURCES (README: "An API resource"). init_api registers each through
the app's Api under /api/v1, so every resource has, from the app's first request on:
- its operations in the OpenAPI document (the Api writes them as it registers them);
- the API's authentication (authentication.py) and JSON bodies (bodies.py), checked
  before its views;
- its errors as problem details (problems.py; errors/handlers.py writes them).
The shared parts a resource's views use live in modules of their own: authentication.py
(TOKEN, authentication_required, rate_limited), problems.py (errors), pagination.py,
conditional.py (ETags) and schemas.py.
"""

from importlib import import_module
from typing import Any

from flask import Flask, request

from ..extensions import csrf
from ..routing import IdConverter
from . import docs
from .authentication import BEARER_AUTH, RESOURCES_EXTENSION, authenticate, is_api_request
from .bodies import require_a_json_body
from .problems import ProblemApi, ProblemContentTypePlugin

# The API's resources: each a module, relative to this package, with its Blueprint `blp`.
RESOURCES = (".tasks",)
URL_PREFIX = "/api/v1"
API_VERSION = "1"
OPENAPI_VERSION = "3.0.3"


def init_api(app: Flask) -> None:
    # One Api per app, as flask-smorest's quickstart has it: it holds the app's document.
    api = ProblemApi(
        app,
        spec_kwargs={
            "title": app.config["APP_NAME"],
            "version": API_VERSION,
            "openapi_version": OPENAPI_VERSION,
            "extra_plugins": [ProblemContentTypePlugin()],
        },
    )
    api.register_converter(IdConverter, id_parameter)
    api.spec.components.security_scheme("bearerAuth", BEARER_AUTH)
    names = set()
    for module_name in RESOURCES:
        blueprint = import_module(module_name, __name__).blp
        # The API checks CSRF itself (authentication.py): not for token requests, and
        # after authentication, so that an anonymous client is told to authenticate (401).
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix=URL_PREFIX + (blueprint.url_prefix or ""))
        names.add(blueprint.name)
    app.extensions[RESOURCES_EXTENSION] = frozenset(names)
    app.before_request(check_api_request)
    app.register_blueprint(docs.bp, url_prefix="/api/docs")


def id_parameter(converter: IdConverter) -> dict[str, Any]:
    # Path ids (routing.py) are documented as what they are: whole numbers.
    return {"type": "integer", "minimum": 0}


def check_api_request() -> None:
    """Before every request: one to a resource of the API has its caller checked, then
    its body."""
    if is_api_request(request):
        authenticate()
        require_a_json_body()
