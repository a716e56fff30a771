"""The page cache in front of Flask: whole anonymous pages answered before Flask builds a
request context, as an nginx microcache would.

A WSGI middleware around the app. A GET or HEAD without a session or remember cookie, to
a page that opted in with @cached_page (pages.py), is answered from
1. this process's copy (LocalPages: MICRO_CACHE_TIMEOUT seconds, bounded in pages and
   bytes), then
2. the shared Flask-Caching backend (every worker and machine), and only then
3. by Flask, whose response is kept if it is a 200 marked public, without Set-Cookie.
An If-None-Match that matches gets a 304 here. When a page is missing or stale, one
worker renders it (a lock taken with `add` on the shared backend) while the others
serve the stale copy, or wait up to PAGE_CACHE_WAIT seconds for the new one.

Invalidation: by namespace (a release's keys carry its version; `flask cache clear`
empties the app's namespace) and by page (`forget_page`). After `flask cache clear`, run
anywhere, every process drops its own copies within CLEAR_CHECK_SECONDS: the shared
cache holds a generation token that the clear removes, and each process reads it at most
once per CLEAR_CHECK_SECONDS (never once per hit: a hit costs no round trip; memcached
adds the seconds its processes trust their namespace generation, memcached.py). After
`forget_page`, another process's own copy lives at most MICRO_CACHE_TIMEOUT seconds
more. A cache outage is a miss (the failsafe wrapper): pages are rendered as if there
were no cache.
"""

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask
from werkzeug.exceptions import SecurityError
from werkzeug.wsgi import get_host

from ..http_caching import session_cookie_names
from .pages import PageRule
from .tiers import NULL_BACKEND

LOCK_TIMEOUT_SECONDS = 30  # frees the lock of a worker that died while rendering
POLL_SECONDS = 0.05
# Kept for this much longer than it is fresh: the stale copy others serve meanwhile.
STALE_FACTOR = 2
# True of one response only: the server adds its own Date to each answer.
PER_RESPONSE_HEADERS = frozenset({"date"})
# Sent with a 304: what the 200 would have said about caching (RFC 9110, 15.4.5).
NOT_MODIFIED_HEADERS = frozenset({"cache-control", "etag", "expires", "vary", "content-location"})
# How often a process asks the shared cache whether it was cleared: the longest another
# process's own copies outlive `flask cache clear` (plus one request to notice).
CLEAR_CHECK_SECONDS = 1.0
# In the shared cache: a token that `flask cache clear` removes with every other key
# of the app. A process that finds another token (or none) drops its own copies.
GENERATION_KEY = "page-front:generation"
_NOT_READ = object()

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class CachedPage:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    fresh_until: float

    @property
    def etag(self) -> str | None:
        return next((value for name, value in self.headers if name.lower() == "etag"), None)


class LocalPages:
    """This process's copies: at most `max_pages` pages and `max_bytes` bytes, each for at
    most `seconds`, the least recently used dropped first. Thread-safe (gthread)."""

    def __init__(self, seconds: float, max_pages: int, max_bytes: int, clock: Callable[[], float]):
        self.seconds = seconds
        self.max_pages = max_pages
        self.max_bytes = max_bytes
        self.clock = clock
        self._pages: OrderedDict[str, tuple[CachedPage, float]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedPage | None:
        with self._lock:
            found = self._pages.get(key)
            if found is None:
                return None
            if found[1] <= self.clock():
                self._drop(key)
                return None
            self._pages.move_to_end(key)
            return found[0]

    def put(self, key: str, page: CachedPage) -> None:
        if self.seconds <= 0 or len(page.body) > self.max_bytes:
            return
        with self._lock:
            self._drop(key)
            self._pages[key] = (page, self.clock() + self.seconds)
            self._bytes += len(page.body)
            while len(self._pages) > self.max_pages or self._bytes > self.max_bytes:
                self._drop(next(iter(self._pages)))

    def forget(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._bytes = 0

    def _drop(self, key: str) -> None:
        found = self._pages.pop(key, None)
        if found is not None:
            self._bytes -= len(found[0].body)


class PageFront:
    def __init__(
        self,
        app: WSGIApp,
        flask_app: Flask,
        shared: Any,
        local: LocalPages,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.flask_app = flask_app
        self.shared = shared  # the failsafe-wrapped Flask-Caching backend
        self.local = local
        self.clock = clock  # wall clock: freshness stamps are compared across machines
        self.sleep = time.sleep  # tests replace both to move time on without waiting
        self.monotonic = time.monotonic  # when to look for a clear again; tests replace it
        self._generation: Any = _NOT_READ
        self._next_clear_check = float("-inf")
        config = flask_app.config
        self.default_timeout = config["CACHE_DEFAULT_TIMEOUT"] or 300
        self.wait = config["PAGE_CACHE_WAIT"]
        self.trusted_hosts = config["TRUSTED_HOSTS"]
        self.session_cookies = session_cookie_names(config)
        self._pages: dict[str, PageRule] | None = None  # read from the routes on first use

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        found = self._cacheable(environ)
        if found is None:
            return self.app(environ, start_response)
        key, rule = found
        page = self._lookup(key)
        if page is not None and page.fresh_until > self.clock():
            return self._answer(page, environ, start_response)
        if environ["REQUEST_METHOD"] == "HEAD":
            return self.app(environ, start_response)  # no body to keep
        return self._render_once(key, rule, page, environ, start_response)

    # Which requests the front answers

    def _cacheable(self, environ: dict[str, Any]) -> tuple[str, PageRule] | None:
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return None
        path = environ.get("PATH_INFO", "")
        rule = self._page_rules().get(path)
        if rule is None or self._has_session(environ) or not self._trusted(environ):
            return None
        query = normalised_query(rule, environ.get("QUERY_STRING", ""))
        if query is None:
            return None  # a declared value the page does not accept: rendered, not kept
        return page_key(environ.get("SCRIPT_NAME", ""), path, query), rule

    def _page_rules(self) -> dict[str, PageRule]:
        # Built at the first request: Flask refuses new routes after it, so none is missed.
        if self._pages is None:
            self._pages = opted_in_pages(self.flask_app)
        return self._pages

    def _has_session(self, environ: dict[str, Any]) -> bool:
        cookie = environ.get("HTTP_COOKIE")
        if not cookie:
            return False
        names = {part.split("=", 1)[0].strip() for part in cookie.split(";")}
        return not names.isdisjoint(self.session_cookies)

    def _trusted(self, environ: dict[str, Any]) -> bool:
        # Flask answers an untrusted Host with 400: so must a cached page.
        if not self.trusted_hosts:
            return True
        try:
            get_host(environ, self.trusted_hosts)
        except SecurityError:
            return False
        return True

    # The two tiers

    def _lookup(self, key: str) -> CachedPage | None:
        """The freshest copy: this process's, else the shared one (which another worker
        may have rendered anew), else a stale one, else None."""
        self._follow_clears()
        page = self.local.get(key)
        if page is not None and page.fresh_until > self.clock():
            return page
        shared = self.shared.get(key)
        if not isinstance(shared, CachedPage):
            return page
        if shared.fresh_until > self.clock():
            self.local.put(key, shared)
        return shared

    def _follow_clears(self) -> None:
        """Drop this process's copies once the shared cache was cleared (by `flask cache
        clear` in any process, or on any machine): one read of the shared cache per
        CLEAR_CHECK_SECONDS, a comparison of two clock readings otherwise."""
        now = self.monotonic()
        if now < self._next_clear_check:
            return
        self._next_clear_check = now + CLEAR_CHECK_SECONDS
        generation = self.shared.get(GENERATION_KEY)
        if generation is None:
            # First use, or cleared since: a new token, the first process's if several race.
            token = secrets.token_hex(8)
            added = self.shared.add(GENERATION_KEY, token, timeout=0)
            generation = token if added else self.shared.get(GENERATION_KEY)
        if generation != self._generation:
            # Cleared (or this process's first look, or an outage: copies are then not
            # kept anyway). Dropping copies that were still good costs one shared read each.
            self.local.clear()
            self._generation = generation

    def _keep(self, key: str, page: CachedPage, timeout: int) -> None:
        # This process keeps only what every process can see: during an outage, nothing
        # (pages are rendered as if there were no cache, and no copy outlives a clear).
        if self.shared.set(key, page, timeout=timeout * STALE_FACTOR):
            self.local.put(key, page)

    # Rendering: once, whoever asks

    def _render_once(self, key, rule, stale, environ, start_response) -> Iterable[bytes]:
        lock_key = f"{key}:rendering"
        if self.shared.add(lock_key, True, timeout=LOCK_TIMEOUT_SECONDS):
            try:
                return self._render_and_keep(key, rule, environ, start_response)
            finally:
                self.shared.delete(lock_key)
        if stale is not None:
            return self._answer(stale, environ, start_response)
        fresh = self._wait_for(key, lock_key)
        if fresh is not None:
            return self._answer(fresh, environ, start_response)
        return self._render_and_keep(key, rule, environ, start_response)

    def _wait_for(self, key: str, lock_key: str) -> CachedPage | None:
        # `has` is False once the holder is done, or when the cache itself is down.
        deadline = time.monotonic() + self.wait
        while self.shared.has(lock_key) and time.monotonic() < deadline:
            self.sleep(POLL_SECONDS)
            page = self._lookup(key)
            if page is not None:
                return page
        return self._lookup(key)

    def _render_and_keep(self, key, rule, environ, start_response) -> Iterable[bytes]:
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None):
            captured.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        result = self.app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        timeout = rule.timeout or self.default_timeout
        headers = [(k, v) for k, v in captured["headers"] if k.lower() not in PER_RESPONSE_HEADERS]
        page = CachedPage(captured["status"], headers, body, self.clock() + timeout)
        if is_public(page):
            self._keep(key, page, timeout)
        return [body]

    # Answering from a kept page

    def _answer(self, page: CachedPage, environ, start_response) -> Iterable[bytes]:
        etag = page.etag
        if etag is not None and etag_matches(environ.get("HTTP_IF_NONE_MATCH"), etag):
            headers = [(k, v) for k, v in page.headers if k.lower() in NOT_MODIFIED_HEADERS]
            start_response("304 Not Modified", headers)
            return []
        start_response(page.status, list(page.headers))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [page.body]

    def forget_page(self, path: str, query: str = "", script_root: str = "") -> None:
        key = page_key(script_root, path, query)
        self.shared.delete(key)
        self.local.forget(key)


def page_key(script_root: str, path: str, query: str) -> str:
    """The same key for every request that must get the same page (pages.py says which)."""
    return f"page:{script_root}{path}?{query}"


def normalised_query(rule: PageRule, query_string: str) -> str | None:
    """The declared parameters, sorted and normalised; None for a declared value the page
    does not accept. Anything else in the query string is ignored."""
    if not rule.query_params or not query_string:
        return ""
    given = dict(parse_qsl(query_string, keep_blank_values=True))
    pairs = []
    for name in sorted(rule.query_params):
        if name not in given:
            continue
        value = rule.query_params[name](given[name])
        if value is None:
            return None
        pairs.append((name, value))
    return urlencode(pairs)


def is_public(page: CachedPage) -> bool:
    if not page.status.startswith("200"):
        return False
    names = {name.lower(): value for name, value in page.headers}
    return "set-cookie" not in names and "public" in names.get("cache-control", "")


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


def opted_in_pages(app: Flask) -> dict[str, PageRule]:
    """Pages marked with @cached_page, by path; only routes without variables."""
    pages = {}
    for rule in app.url_map.iter_rules():
        page_rule = getattr(app.view_functions.get(rule.endpoint), "page_rule", None)
        if page_rule is not None and not rule.arguments and "GET" in (rule.methods or ()):
            pages[rule.rule] = page_rule
    return pages


def install_page_front(app: Flask) -> PageFront | None:
    """Put the page cache in front of the app, unless caching is off."""
    from ..extensions import cache

    config = app.config
    if config["CACHE_BACKEND"] == NULL_BACKEND:
        return None
    with app.app_context():
        shared = cache.cache
    local = LocalPages(
        seconds=config["MICRO_CACHE_TIMEOUT"],
        max_pages=config["PAGE_CACHE_LOCAL_PAGES"],
        max_bytes=config["PAGE_CACHE_LOCAL_BYTES"],
        clock=time.monotonic,
    )
    front = PageFront(app.wsgi_app, app, shared, local)
    app.wsgi_app = front  # type: ignore[method-assign]
    app.extensions["page_front"] = front
    return front


def page_front(app: Flask) -> PageFront | None:
    return app.extensions.get("page_front")


def forget_page(app: Flask, path: str, query: Mapping[str, str] | None = None) -> None:
    """Drop a page everywhere (this process's copy at once, other processes' within
    MICRO_CACHE_TIMEOUT seconds; `flask cache clear` reaches them sooner), e.g. after
    a change it shows."""
    front = page_front(app)
    if front is not None:
        front.forget_page(path, urlencode(sorted((query or {}).items())))
