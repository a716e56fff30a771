"""The JSON API, version 1 (/api/v1/...), its OpenAPI document (/api/openapi.json) and
its documentation page (/api/docs), through flask-smorest: the schemas in schemas.py
validate every request and write the document.

flask-smorest, marshmallow, webargs and apispec are a third of the time create_app
would take, in every worker and every `flask` command. So the app is given the API's
routes, hooks and error handling here, from light modules, and the views (tasks.py,
with their validation) are imported on the first API call; the document is written
when it is first read (/api/openapi.json, `flask openapi`, document.py).
"""

from typing import Any

from flask import Blueprint, Flask, current_app

from ..lazy import LazyGroup, LazyView

bp = Blueprint("tasks_api", __name__, url_prefix="/api/v1")
DESCRIPTION = "Tasks, the example model. Reading is public; changing needs a token."
API_VERSION = "1"
# Where an app keeps its OpenAPI document once written (document.py).
SPEC_EXTENSION = "openapi_spec"

# Every operation: its view in tasks.py, path and method. The app routes to them from
# the start; tasks.py documents each from here too (document.py's `route`).
ROUTES = {
    "list_tasks": ("/tasks", "GET"),
    "create_task": ("/tasks", "POST"),
    "get_task": ("/tasks/<id:task_id>", "GET"),
    "replace_task": ("/tasks/<id:task_id>", "PUT"),
    "update_task": ("/tasks/<id:task_id>", "PATCH"),
    "delete_task": ("/tasks/<id:task_id>", "DELETE"),
    "statistics": ("/tasks/statistics", "GET"),
}
for endpoint, (path, method) in ROUTES.items():
    bp.add_url_rule(path, endpoint, LazyView(f"{__name__}.tasks:{endpoint}"), methods=[method])

# flask-smorest's document blueprint, with its one route (the document is written by
# document.py, not by an Api bound to the app).
document_bp = Blueprint("api-docs", __name__, url_prefix="/api")


@document_bp.get("/openapi.json")
def openapi_json():
    from .document import spec_of

    # As flask-smorest serves it.
    return current_app.response_class(
        current_app.json.dumps(spec_of(current_app).to_dict(), indent=2, sort_keys=False),
        mimetype="application/json",
    )


class ApiDocument:
    """What flask-smorest's `flask openapi` and ETag code read from an Api, without one:
    its config and its document (written on first read)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.config = app.config

    @property
    def spec(self) -> Any:
        from .document import spec_of

        return spec_of(self.app)


def init_api(app: Flask) -> None:
    from ..extensions import csrf
    from . import authentication, bodies, docs  # noqa: F401 (they register on bp)

    app.config.update(
        API_TITLE=app.config["APP_NAME"],
        API_VERSION=API_VERSION,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
    )
    # Where flask-smorest's Api.init_app and register_blueprint would put themselves
    # (read by `flask openapi` and flask-smorest's ETag code; pinned in pyproject.toml,
    # tests/test_api.py runs both).
    document = ApiDocument(app)
    app.extensions["flask-smorest"] = {
        "apis": {"": {"ext_obj": document}},
        "blp_name_to_api": {bp.name: document},
    }
    app.cli.add_command(
        LazyGroup("openapi", "flask_smorest.spec:openapi_cli", help_text="OpenAPI commands.")
    )
    # The API checks CSRF itself (authentication.py): not for token requests, and after
    # authentication, so that an anonymous client is told to authenticate (401).
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_blueprint(document_bp)
    app.register_blueprint(docs.bp, url_prefix="/api/docs")
