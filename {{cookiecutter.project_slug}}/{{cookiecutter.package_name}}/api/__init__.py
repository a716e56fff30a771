"""The JSON API, version 1 (/api/v1/...), its OpenAPI document (/api/openapi.json) and
its documentation page (/api/docs), through flask-smorest: the schemas in schemas.py
validate every request and write the document.

The document is written when it is first read (/api/openapi.json, `flask openapi`), not
when the app is built: describing every operation and response was most of the time
create_app took, in every worker and every test, for a document few of them serve."""

import threading
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_smorest import Blueprint
from flask_smorest.spec import openapi_cli
from flask_smorest.utils import PrefixedMappingProxy

bp = Blueprint(
    "tasks_api",
    __name__,
    url_prefix="/api/v1",
    description="Tasks, the example model. Reading is public; changing needs a token.",
)

API_VERSION = "1"
SPEC_EXTENSION = "openapi_spec"
_building = threading.Lock()


def init_api(app: Flask) -> None:
    from ..extensions import api, csrf
    from . import authentication, docs, tasks  # noqa: F401 (they register on bp)

    app.config.update(
        API_TITLE=app.config["APP_NAME"],
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    # Api.init_app and Api.register_blueprint, without their spec (see spec_of).
    api._app = app
    api.config = PrefixedMappingProxy(app.config, api.config_prefix)
    extension = app.extensions.setdefault("flask-smorest", {"apis": {}, "blp_name_to_api": {}})
    extension["apis"][api.config_prefix] = {"ext_obj": api}
    api.spec = LAZY_SPEC
    app.cli.add_command(openapi_cli)
    api._register_doc_blueprint()
    api._register_error_handlers()
    # The API checks CSRF itself (authentication.py): not for token requests, and after
    # authentication, so that an anonymous client is told to authenticate (401).
    csrf.exempt(bp)
    extension["blp_name_to_api"][bp.name] = api
    app.register_blueprint(bp)
    app.register_blueprint(docs.bp, url_prefix="/api/docs")


def spec_of(app: Flask) -> Any:
    """The app's OpenAPI document (an apispec.APISpec), written on first use."""
    spec = app.extensions.get(SPEC_EXTENSION)
    if spec is None:
        with _building:
            spec = app.extensions.get(SPEC_EXTENSION)
            if spec is None:
                spec = app.extensions[SPEC_EXTENSION] = write_spec(app)
    return spec


def write_spec(app: Flask) -> Any:
    from ..extensions import api
    from ..routing import IdConverter

    # flask-smorest writes the spec of the app the Api was last bound to, as api.spec.
    bound = api._app, api.config, api.spec
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
        bp.register_views_in_doc(api, app, spec, name=bp.name, parameters=None)
        spec.tag({"name": bp.name, "description": bp.description})
    finally:
        api._app, api.config, api.spec = bound
    return spec


class LazySpec:
    """Stands for api.spec: the document of the current app (else of the app the Api
    was bound to last), written when something first reads it."""

    def __getattr__(self, name: str) -> Any:
        from ..extensions import api

        app = current_app._get_current_object() if has_app_context() else api._app
        return getattr(spec_of(app), name)


LAZY_SPEC = LazySpec()
