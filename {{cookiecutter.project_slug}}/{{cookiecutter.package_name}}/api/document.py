"""flask-smorest's side of the API, imported on its first use (see __init__.py): the
blueprint whose decorators validate the requests of tasks.py and describe its
operations, and the OpenAPI document written from them.

The document is written when it is first read, for each app: describing every
operation and response would otherwise be most of the time create_app takes, for a
document few processes serve. It is written through flask-smorest's private setup steps
(Api._init_spec, the Api's app and config): pinned below 0.48 in pyproject.toml, and
tests/test_api.py reads the document.
"""

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_smorest import Blueprint
from flask_smorest.utils import PrefixedMappingProxy

from ..routing import IdConverter
from . import DESCRIPTION, ROUTES, SPEC_EXTENSION, bp
from .problems import ProblemApi, ProblemContentTypePlugin

# Never registered on an app (the app has __init__.py's routes): its decorators check
# requests and answers, and it keeps what they say for the document.
blp = Blueprint(bp.name, __name__, description=DESCRIPTION)
# One for the process; bound to an app only while that app's document is written.
api = ProblemApi(spec_kwargs={"extra_plugins": [ProblemContentTypePlugin()]})
_writing = threading.Lock()


def route(view: Callable[..., Any]) -> Callable[..., Any]:
    """Document `view` under its route in __init__.ROUTES."""
    path, method = ROUTES[view.__name__]
    return blp.route(path, methods=[method])(view)


def spec_of(app: Flask) -> Any:
    """The app's OpenAPI document (an apispec.APISpec), written on first use."""
    spec = app.extensions.get(SPEC_EXTENSION)
    if spec is None:
        with _writing:
            spec = app.extensions.get(SPEC_EXTENSION)
            if spec is None:
                spec = app.extensions[SPEC_EXTENSION] = write_spec(app)
    return spec


def write_spec(app: Flask) -> Any:
    from . import tasks  # noqa: F401 (its decorators describe the operations on blp)

    # flask-smorest writes the spec of the app the Api is bound to, as api.spec.
    api._app, api.config = app, PrefixedMappingProxy(app.config, api.config_prefix)
    try:
        api._init_spec(**api._spec_kwargs)
        spec = api.spec
        # Path ids (routing.py) are documented as what they are: whole numbers.
        api.flask_plugin.register_converter(
            IdConverter, lambda converter: {"type": "integer", "minimum": 0}
        )
        spec.components.security_scheme(
            "bearerAuth",
            {"type": "http", "scheme": "bearer", "description": "A personal access token."},
        )
        blp.register_views_in_doc(api, app, spec, name=blp.name, parameters=None)
        spec.tag({"name": blp.name, "description": blp.description})
    finally:
        # The process's Api keeps no app (nor its config) alive.
        api._app = api.config = api.spec = None
    return spec
