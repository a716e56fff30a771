"""Browsers in which an address's password was given before: their password checks of
that address are counted apart (the "device cookie" of OWASP's advice against lockouts),
so a stranger's guesses, which make the address's own count wait, never keep its owner
waiting in a browser they have logged in from.

The cookie is signed with SECRET_KEY and names the address it was earned for (by an
HMAC): only the right password earns one, and it counts for no other address.
"""

import secrets

from flask import Response, after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ..limit_storage import address_key

COOKIE_NAME = "known_device"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Sent with the account pages only, where passwords are checked.
COOKIE_PATH = "/auth"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def known_device(address: str) -> str | None:
    """This browser's id for `address`, when it carries a cookie earned for it."""
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie:
        return None
    try:
        payload = _serializer().loads(cookie, max_age=COOKIE_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("for") != address_key("device", address):
        return None
    device = payload.get("device")
    return device if isinstance(device, str) else None


def remember_device(address: str) -> None:
    """The right password for `address` was given: this browser is known for it (for
    COOKIE_MAX_AGE from now)."""
    device = known_device(address) or secrets.token_urlsafe(16)
    value = _serializer().dumps({"for": address_key("device", address), "device": device})
    secure = current_app.config["SESSION_COOKIE_SECURE"]

    @after_this_request
    def set_cookie(response: Response) -> Response:
        response.set_cookie(
            COOKIE_NAME,
            value,
            max_age=COOKIE_MAX_AGE,
            path=COOKIE_PATH,
            secure=secure,
            httponly=True,
            samesite="Lax",
        )
        return response
