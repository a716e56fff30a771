from flask import Blueprint

bp = Blueprint("api", __name__)

from . import tasks  # noqa: E402, F401 (registers the routes on bp)
