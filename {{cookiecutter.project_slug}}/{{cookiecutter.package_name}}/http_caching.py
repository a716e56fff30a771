"""HTTP caching: public pages may be kept by browsers and proxies, everything else not."""

from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any

from flask import Response, current_app, request

# Responses that did not choose may hold personal data: nobody may store them
# (default_headers.py adds it to every response without a Cache-Control).
PRIVATE_CACHE_CONTROL = "private, no-store"


def has_session() -> bool:
    """A visitor with a session (logged in, remembered, flashed messages) gets a fresh,
    private page."""
    return not session_cookie_names(current_app.config).isdisjoint(request.cookies)


def session_cookie_names(config: Mapping[str, Any]) -> frozenset[str]:
    """The cookies that make a visitor someone in particular (the page cache in
    caching/front.py reads them from the raw request)."""
    return frozenset({config["SESSION_COOKIE_NAME"], config["REMEMBER_COOKIE_NAME"]})


def public_page(view: Callable[..., Any]) -> Callable[..., Response]:
    """Anonymous 200 responses: `Cache-Control: public, max-age`, an ETag, and 304 for
    a matching If-None-Match. Put it above @cache.cached: the ETag of a cached page is
    then the same on every hit, and a 304 skips sending the body."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code != 200 or has_session():
            return response  # default_headers.py makes it private
        response.cache_control.public = True
        response.cache_control.max_age = current_app.config["HTTP_CACHE_MAX_AGE"]
        response.vary.add("Cookie")  # the same URL is private for a visitor with a session
        response.add_etag()
        return response.make_conditional(request)

    return wrapper
