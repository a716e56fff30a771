"""Headers every response gets unless the app chose its own: the security headers and a
private Cache-Control. Added as the response leaves the app, to the header list it
hands the server: Werkzeug's Headers would check each name and value again on every
response, and these never change."""

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from .http_caching import PRIVATE_CACHE_CONTROL
from .security import default_security_headers

StartResponse = Callable[..., Any]


class DefaultHeaders:
    """WSGI middleware: adds each of `headers` that the response does not carry."""

    def __init__(self, app: Callable[..., Iterable[bytes]], headers: Iterable[tuple[str, str]]):
        self.app = app
        self.headers = tuple((name.lower(), (name, value)) for name, value in headers)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        def start_with_defaults(status: str, headers: list[tuple[str, str]], exc_info=None):
            present = {name.lower() for name, _ in headers}
            headers.extend(header for lower, header in self.headers if lower not in present)
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_defaults)


def install_default_headers(app: Flask) -> None:
    """Inside the page cache (caching/front.py): a kept page keeps these headers."""
    headers = [
        ("Cache-Control", PRIVATE_CACHE_CONTROL),
        *default_security_headers(app.config["HSTS_MAX_AGE"]),
    ]
    app.wsgi_app = DefaultHeaders(app.wsgi_app, headers)  # type: ignore[method-assign]
