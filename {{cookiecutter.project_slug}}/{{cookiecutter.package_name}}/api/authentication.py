"""Who is calling the API.

- A personal access token (`Authorization: Bearer <token>`, made on the account page or
  with `flask users token create`): it carries its owner's permissions and needs no CSRF
  token, since a browser never adds that header on its own.
- Or the browser's session cookie: its changes need the page's CSRF token in the
  X-CSRFToken header (the csrf-token meta tag).
A wrong, expired or revoked token is a 401, even for what is public: the client means to
be someone, and should know that it is not. Every resource of the API is checked
(api/__init__.py's check_api_request); a token means nothing to the app's pages.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Request, current_app, g, request
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from ..auth.api_tokens import user_for_token
from ..extensions import csrf, limiter, login_manager
from ..models import User

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# In app.extensions: the names of the API's resource blueprints (api/__init__.py).
RESOURCES_EXTENSION = "api_resources"
# The OpenAPI document's security scheme, and what an operation that needs it says
# (@blp.doc(security=TOKEN)).
BEARER_AUTH = {"type": "http", "scheme": "bearer", "description": "A personal access token."}
TOKEN = [{"bearerAuth": []}]


def is_api_request(req: Request) -> bool:
    """Whether `req` was routed to a resource of the API."""
    return req.blueprint in current_app.extensions[RESOURCES_EXTENSION]


def bearer_token(req: Request) -> str | None:
    authorization = req.authorization
    if authorization is None or authorization.type != "bearer":
        return None
    return authorization.token or None


@login_manager.request_loader
def user_from_bearer_token(req: Request) -> User | None:
    # Flask-Login asks this when the session names no user; auth/login.py's load_user
    # ignores the session of a request that carries a token.
    token = bearer_token(req) if is_api_request(req) else None
    found = user_for_token(token) if token else None
    if found is None:
        return None
    g.api_token = found[1]
    return found[0]


def unauthorized(description: str, error: str | None = None) -> Unauthorized:
    challenge = WWWAuthenticate("bearer", {"error": error} if error else None)
    return Unauthorized(description, www_authenticate=challenge)


def authenticate() -> None:
    """Before every request to a resource of the API."""
    if "Authorization" in request.headers:
        if bearer_token(request) is None:
            raise unauthorized(
                "Send the token as Authorization: Bearer <token>.", "invalid_request"
            )
        if not current_user.is_authenticated:
            raise unauthorized("The token is wrong, expired or revoked.", "invalid_token")
        return  # a token: no CSRF token needed
    if request.method in SAFE_METHODS:
        return
    if not current_user.is_authenticated:
        raise unauthorized("Send a personal access token: Authorization: Bearer <token>.")
    csrf.protect()  # the X-CSRFToken header, from the page's csrf-token meta tag


def authentication_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """For an operation that needs a caller even to read: 401 for anonymous ones.
    (Changes need one anyway: authenticate.)"""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            raise unauthorized("Send a personal access token: Authorization: Bearer <token>.")
        return view(*args, **kwargs)

    return wrapper


def rate_limit_key() -> str:
    """Each token has its own count; requests without one count per client address."""
    token = g.get("api_token")
    return f"token:{token.id}" if token is not None else f"address:{request.remote_addr}"


def api_rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


rate_limited = limiter.limit(api_rate_limit, key_func=rate_limit_key)
