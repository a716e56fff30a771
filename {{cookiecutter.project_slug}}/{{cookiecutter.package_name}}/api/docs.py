"""The API's interactive documentation at /api/docs: Swagger UI from the swagger-ui-bundle
package, served by this app like Bootstrap (the CSP allows no CDN), started by a script
file rather than an inline one."""

import swagger_ui_bundle
from flask import Blueprint, render_template, url_for

bp = Blueprint(
    "api_docs_page",
    __name__,
    static_folder=swagger_ui_bundle.swagger_ui_path,
    static_url_path="/swagger-ui",
)


@bp.get("/")
def documentation():
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
