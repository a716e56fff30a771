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
    # The objects behind the proxies, not an attribute read through each: that costs
    # a microsecond a time, and this runs several times per request.
    config = current_app._get_current_object().config  # type: ignore[attr-defined]
    cookies = request._get_current_object().cookies  # type: ignore[attr-defined]
    return not session_cookie_names(config).isdisjoint(cookies)


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
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response = app.make_response(view(*args, **kwargs))
        if response.status_code != 200 or has_session():
            return response  # default_headers.py makes it private
        response.cache_control.public = True
        response.cache_control.max_age = app.config["HTTP_CACHE_MAX_AGE"]
        response.vary.add("Cookie")  # the same URL is private for a visitor with a session
        response.add_etag()
        return response.make_conditional(request._get_current_object())  # type: ignore[attr-defined]

    return wrapper
