"""The security headers every response gets, CSRF checks, and the check of redirect
targets."""

from urllib.parse import unquote, urlsplit

from flask import current_app, request

from .extensions import csrf

# Only this origin's own scripts, styles, images and forms; no framing by anybody.
# Images may also be data: URIs: Bootstrap's CSS draws its icons (the menu button, the
# close button of an alert, check marks) as inline SVG images, which cannot run scripts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# A target is decoded this many times before it is judged: %2F%2F, %252F%252F, ...
REDIRECT_DECODING_ROUNDS = 3


def default_security_headers(hsts_max_age: int) -> tuple[tuple[str, str], ...]:
    """The headers every response gets unless its view set its own (default_headers.py)."""
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ]
    if hsts_max_age:
        headers.append(("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains"))
    return tuple(headers)


def protect_unsafe_methods() -> None:
    """Flask-WTF's CSRF check of every request (WTF_CSRF_CHECK_DEFAULT), with the method
    looked at first: its own hook finds the view and its exemptions for every GET too."""
    config = current_app.config
    if request.method in config["WTF_CSRF_METHODS"] and config["WTF_CSRF_ENABLED"]:
        csrf.protect(apply_exemptions=True)


def is_safe_redirect_target(target: str | None) -> bool:
    """True only for a path on this site ("/tasks/?page=2").

    Browsers treat "//host", "/\\host" and "\\\\host" as other hosts, drop tabs and
    newlines, and some servers decode percent-escapes again; so every decoded form must
    be a plain local path without backslashes or control characters.
    """
    if not target:
        return False
    candidate = target
    for _ in range(REDIRECT_DECODING_ROUNDS):
        if not _is_plain_local_path(candidate):
            return False
        candidate = unquote(candidate)
    return _is_plain_local_path(candidate)


def _is_plain_local_path(candidate: str) -> bool:
    if not candidate.startswith("/") or candidate.startswith("//"):
        return False
    if "\\" in candidate or any(ord(char) < 0x20 or ord(char) == 0x7F for char in candidate):
        return False
    parts = urlsplit(candidate)
    return not parts.scheme and not parts.netloc
