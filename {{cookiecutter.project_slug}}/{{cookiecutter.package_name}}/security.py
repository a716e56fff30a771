"""Security headers on every response, and the check of redirect targets."""

from urllib.parse import unquote, urlsplit

from flask import Response, current_app

# Only this origin's own scripts, styles, images and forms; no framing by anybody.
# Images may also be data: URIs: Bootstrap's CSS draws its icons (the menu button, the
# close button of an alert, check marks) as inline SVG images, which cannot run scripts.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# A target is decoded this many times before it is judged: %2F%2F, %252F%252F, ...
REDIRECT_DECODING_ROUNDS = 3


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    max_age = current_app.config["HSTS_MAX_AGE"]
    if max_age:
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    return response


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
