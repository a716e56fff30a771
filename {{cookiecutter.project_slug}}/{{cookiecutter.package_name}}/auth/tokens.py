"""Signed, expiring tokens for the links in account e-mails.

Each purpose has its own salt, so a token made for one purpose is refused by the
others; each carries what must still be true when it is used (the address being
confirmed, the password being reset), which makes it single-use in effect.
"""

from enum import Enum
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer


class Purpose(Enum):
    CONFIRM = ("account-confirm", "CONFIRM_TOKEN_MAX_AGE", "auth.confirm")
    RESET_PASSWORD = ("password-reset", "RESET_TOKEN_MAX_AGE", "auth.reset_password")
    CHANGE_EMAIL = ("email-change", "EMAIL_CHANGE_TOKEN_MAX_AGE", "auth.confirm_email_change")

    def __init__(self, salt: str, max_age_setting: str, endpoint: str) -> None:
        self.salt = salt
        self.max_age_setting = max_age_setting  # the config key of the lifetime in seconds
        self.endpoint = endpoint  # the page the link opens, which reads the token


class TokenError(ValueError):
    """The link is tampered with, made for another purpose, or expired."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer(purpose: Purpose) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose.salt)


def make_token(purpose: Purpose, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: Purpose, token: str) -> dict[str, Any]:
    max_age = current_app.config[purpose.max_age_setting]
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(expired=True) from None
    except BadSignature:
        raise TokenError(expired=False) from None
    if not isinstance(payload, dict):
        raise TokenError(expired=False)
    return payload
