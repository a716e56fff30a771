"""The app's Flask class: Flask, without the work it repeats on every request for an
answer that cannot change. Each override is a method Flask or Jinja documents for
overriding."""

from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from flask.templating import Environment
from itsdangerous import URLSafeTimedSerializer

from .routing import LazyBuilderRule

# Bounds on the memos below: names and URLs an app builds are few, but values in URLs may
# come from visitors. A full memo is emptied and filled again.
MAX_REMEMBERED_FUNCTIONS = 1024
MAX_REMEMBERED_URLS = 2048
MAX_REMEMBERED_SECRETS = 8

T = TypeVar("T")


def kept(memo: dict[Any, T], key: Any, value: T, limit: int) -> T:
    """`value`, kept as memo[key]; a memo already holding `limit` answers is emptied first.
    (The lookups stay inline in the callers: they run several times per request.)"""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value


class SessionSigning(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with one signing serializer per secret. Flask builds
    a new one for every request, and building it serializes a sample value to learn
    whether the serializer makes text."""

    def __init__(self) -> None:
        self._serializers: dict[tuple[Any, ...], URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        secrets = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        try:
            return self._serializers[secrets]
        except KeyError:
            serializer = super().get_signing_serializer(app)
            return kept(self._serializers, secrets, serializer, MAX_REMEMBERED_SECRETS)


class TemplateEnvironment(Environment):
    """Flask's Jinja environment, with each template's globals in a plain dict. Jinja
    keeps them in a ChainMap over the environment's globals, which every render copies
    key by key in Python, a KeyError for each: a fifth of rendering the home page.
    As Jinja's documentation asks, add globals before rendering (Flask's
    add_template_global refuses to after the first request)."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        # A new dict: a template's own globals still never change the environment's.
        return {**self.globals, **(d or {})}


class FlaskApp(Flask):
    jinja_environment = TemplateEnvironment
    url_rule_class = LazyBuilderRule

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_interface = SessionSigning()
        self._sync_functions: dict[Callable[..., Any], Callable[..., Any]] = {}
        self._urls: dict[tuple[Any, ...], str] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # Flask asks `inspect` whether each hook and view is a coroutine function, a dozen
        # times per request; a function's answer never changes.
        try:
            return self._sync_functions[func]
        except KeyError:
            synced = super().ensure_sync(func)
            return kept(self._sync_functions, func, synced, MAX_REMEMBERED_FUNCTIONS)

    def create_jinja_environment(self) -> Environment:
        env = super().create_jinja_environment()
        # A function, not the bound method Flask puts there: Jinja looks for a marker on
        # every callable a template calls, and on a bound method that miss raises inside.
        url_for = self.url_for
        env.globals["url_for"] = lambda endpoint, /, **values: url_for(endpoint, **values)
        return env

    def url_for(self, endpoint: str, /, **values: Any) -> str:
        """Flask's url_for; within a request, a relative URL is built once per script root,
        method and set of values, not once per link (a page has a dozen links)."""
        key = self._url_key(endpoint, values)
        if key is None:
            return super().url_for(endpoint, **values)
        try:
            return self._urls[key]
        except KeyError:
            url = super().url_for(endpoint, **values)
            return kept(self._urls, key, url, MAX_REMEMBERED_URLS)
        except TypeError:  # a value that cannot be a key (a list): built every time
            return super().url_for(endpoint, **values)

    def _url_key(self, endpoint: str, values: dict[str, Any]) -> tuple[Any, ...] | None:
        # Outside a request URLs are external; _external, _scheme, _anchor and _method, or
        # url_defaults functions (which may read the request), make a URL not only a
        # function of the values.
        if self.url_default_functions or not has_request_context():
            return None
        if values and any(name[:1] == "_" for name in values):
            return None
        current = request._get_current_object()  # type: ignore[attr-defined]
        # The request's blueprint completes ".view"; its method picks among an endpoint's
        # rules that differ by method.
        blueprint = current.blueprint if endpoint[:1] == "." else None
        return (current.root_path, current.method, blueprint, endpoint, *values.items())
