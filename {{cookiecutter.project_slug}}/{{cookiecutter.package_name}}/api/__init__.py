from flask import Blueprint, abort, request
from flask_login import current_user

from ..extensions import csrf

bp = Blueprint("api", __name__)
# The API checks CSRF itself, after authentication: an anonymous client is told to
# log in (401) rather than that a token is missing (400).
csrf.exempt(bp)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@bp.before_request
def authenticate_changes():
    if request.method in SAFE_METHODS:
        return
    if not current_user.is_authenticated:
        abort(401, description="Log in to change anything through the API.")
    csrf.protect()  # the X-CSRFToken header, from the page's csrf-token meta tag


from . import tasks  # noqa: E402, F401 (registers the routes on bp)
