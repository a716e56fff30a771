from typing import Any

from flask import current_app, jsonify, render_template

from ..extensions import cache
from ..health import collect_status
from ..http_caching import has_session, public_page
from . import bp


def is_successful(rv: Any) -> bool:
    return current_app.make_response(rv).status_code == 200


@bp.get("/")
@public_page
@cache.cached(query_string=True, unless=has_session, response_filter=is_successful)
def index():
    return render_template("main/index.html")


@bp.get("/status")
def status():
    report = collect_status()
    return jsonify(report), 503 if report["status"] == "down" else 200
