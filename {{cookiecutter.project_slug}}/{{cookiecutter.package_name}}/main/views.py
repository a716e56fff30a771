from flask import jsonify, render_template

from ..caching.pages import cached_page
from ..http_caching import public_page
from . import bp
from .health import collect_status


@bp.get("/")
@public_page
@cached_page()
def index():
    return render_template("main/index.html")


@bp.get("/status")
def status():
    report = collect_status()
    return jsonify(report), 503 if report["status"] == "down" else 200


@bp.get("/status/live")
def live():
    """The process answers, whatever the servers behind it do: for liveness probes, which
    restart a process that fails them (a restart brings no database back; /status tells
    whether to send traffic). Asks no server and keeps no session."""
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}
