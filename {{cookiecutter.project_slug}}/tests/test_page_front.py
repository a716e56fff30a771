"""The page cache in front of Flask (caching/front.py): what it answers without Flask,
what it never keeps, its two tiers and their bounds, and one render per missing page.

Two apps sharing one cachelib SimpleCache stand for two workers sharing a cache server;
clocks are injected, so no test waits.
"""

import pytest
from flask import make_response
from flask_caching.backends.simplecache import SimpleCache

from {{ cookiecutter.package_name }}.caching.front import (
    CLEAR_CHECK_SECONDS,
    GENERATION_KEY,
    CachedPage,
    LocalPages,
    PageFront,
    forget_page,
    page_front,
    page_key,
)
from {{ cookiecutter.package_name }}.caching.pages import cached_page
from {{ cookiecutter.package_name }}.http_caching import public_page

HOME_KEY = page_key("", "/", "")


class Clock:
    def __init__(self, now=1_000_000.0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def flask_hooks(app):
    """How many requests reached Flask's own request handling."""
    calls = []
    app.before_request(lambda: calls.append(1))
    return calls


def worker(make_app, shared, clock, **config):
    """An app whose page front uses `shared` as the cache server and `clock` for time."""
    app = make_app(**config)
    front = page_front(app)
    front.shared = shared
    front.clock = clock
    front.monotonic = clock
    front.local = LocalPages(seconds=5, max_pages=10, max_bytes=2**20, clock=clock)
    return app


# What is answered without Flask


def test_a_cached_page_is_answered_before_flask(client, flask_hooks, render_count):
    first = client.get("/")
    second = client.get("/")
    assert second.data == first.data
    assert second.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert (len(render_count), len(flask_hooks)) == (1, 1)


def test_a_kept_page_carries_no_date_of_its_own(client):
    assert "Date" in client.get("/").headers  # werkzeug's, on the rendered response
    assert "Date" not in client.get("/").headers  # the server dates each answer


def test_a_matching_if_none_match_is_304_from_the_cache(client, flask_hooks):
    etag = client.get("/").headers["ETag"]
    response = client.get("/", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert "public" in response.headers["Cache-Control"]
    assert len(flask_hooks) == 1


def test_head_is_answered_with_the_headers_only(client, flask_hooks):
    page = client.get("/")
    head = client.head("/")
    assert head.data == b""
    assert head.headers["Content-Length"] == page.headers["Content-Length"]
    assert len(flask_hooks) == 1


def test_an_untrusted_host_gets_flasks_400_even_for_a_cached_page(make_app):
    app = make_app(TRUSTED_HOSTS=["app.example"])
    client = app.test_client()
    assert client.get("/", headers={"Host": "app.example"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


def test_other_methods_and_pages_go_to_flask(client, flask_hooks):
    client.get("/")
    client.post("/")
    client.get("/status")
    client.get("/status")
    assert len(flask_hooks) == 4


# What is never kept


@pytest.mark.parametrize(
    "respond",
    [
        pytest.param(lambda: ("private page", 200), id="not-public"),
        pytest.param(public_page(lambda: ("not here", 404)), id="not-200"),
    ],
)
def test_only_public_200_responses_are_kept(make_app, respond):
    app = make_app()
    calls = []

    @cached_page()
    def page():
        calls.append(1)
        return respond()

    app.add_url_rule("/page", "page", page)
    client = app.test_client()
    client.get("/page")
    client.get("/page")
    assert len(calls) == 2


def test_a_response_setting_a_cookie_is_not_kept(make_app):
    app = make_app()
    calls = []

    @public_page
    @cached_page()
    def page():
        calls.append(1)
        response = make_response("hello")
        response.set_cookie("tracking", "x")
        return response

    app.add_url_rule("/page", "page", page)
    client = app.test_client()
    assert client.get("/page").headers["Set-Cookie"].startswith("tracking=")
    client.get("/page")
    assert len(calls) == 2


# Two tiers, shared by the workers


def test_a_page_rendered_by_one_worker_is_served_by_another(make_app, render_count):
    shared, clock = SimpleCache(), Clock()
    first = worker(make_app, shared, clock).test_client()
    second = worker(make_app, shared, clock).test_client()
    assert first.get("/").data == second.get("/").data
    assert len(render_count) == 1


def test_another_workers_copy_outlives_an_invalidation_by_at_most_the_local_timeout(
    make_app, render_count
):
    shared, clock = SimpleCache(), Clock()
    first_app = worker(make_app, shared, clock)
    second = worker(make_app, shared, clock).test_client()
    second.get("/")  # renders; both tiers keep it
    forget_page(first_app, "/")  # the shared copy goes at once
    second.get("/")
    assert len(render_count) == 1  # the second worker's own copy, seconds old
    clock.now += 5  # MICRO_CACHE_TIMEOUT of the local tier
    second.get("/")
    assert len(render_count) == 2


def test_a_clear_of_the_shared_cache_reaches_another_workers_copy_within_a_second(
    make_app, render_count
):
    shared, clock = SimpleCache(), Clock()
    second = worker(make_app, shared, clock).test_client()
    second.get("/")  # renders; both tiers keep it
    shared.clear()  # `flask cache clear`, run by another process
    clock.now += CLEAR_CHECK_SECONDS / 2
    second.get("/")
    assert len(render_count) == 1  # its own copy: it looked for a clear half a second ago
    clock.now += CLEAR_CHECK_SECONDS / 2
    second.get("/")
    assert len(render_count) == 2  # gone, long before MICRO_CACHE_TIMEOUT (5 s)


def test_the_clear_command_reaches_a_worker_it_does_not_run_in(make_app, render_count):
    command_app = make_app()  # the process of `flask cache clear`
    clock = Clock()
    server = worker(make_app, page_front(command_app).shared, clock).test_client()
    server.get("/")
    result = command_app.test_cli_runner().invoke(args=["cache", "clear"])
    assert result.exit_code == 0, result.output
    clock.now += CLEAR_CHECK_SECONDS
    server.get("/")
    assert len(render_count) == 2


class CountingCache(SimpleCache):
    def __init__(self):
        super().__init__()
        self.reads = []

    def get(self, key):
        self.reads.append(key)
        return super().get(key)


def test_hits_look_for_a_clear_once_per_interval_not_once_per_request(make_app):
    shared, clock = CountingCache(), Clock()
    client = worker(make_app, shared, clock).test_client()
    client.get("/")
    shared.reads.clear()
    for _ in range(128):
        clock.now += CLEAR_CHECK_SECONDS / 64
        assert client.get("/").status_code == 200
    # Two seconds of hits from this process's copy: two reads of the token, nothing else.
    assert shared.reads == [GENERATION_KEY, GENERATION_KEY]


def test_a_worker_that_cannot_reach_the_cache_server_keeps_serving(make_app, render_count):
    shared, clock = SimpleCache(), Clock()
    client = worker(make_app, shared, clock).test_client()
    client.get("/")
    shared.get = lambda key: None  # what the failsafe wrapper answers during an outage
    shared.add = lambda key, value, timeout=None: False
    clock.now += CLEAR_CHECK_SECONDS
    assert client.get("/").status_code == 200
    assert len(render_count) == 2  # its copy went: nobody can tell whether it is still good


def test_a_stale_own_copy_gives_way_to_a_fresh_shared_one(make_app, render_count):
    shared, clock = SimpleCache(), Clock()
    first = worker(make_app, shared, clock)
    second = worker(make_app, shared, clock).test_client()
    timeout = first.config["CACHE_DEFAULT_TIMEOUT"]
    first.test_client().get("/")
    clock.now += timeout - 2
    second.get("/")  # its own copy, kept 5 s: beyond the page's freshness
    clock.now += 3
    first.test_client().get("/")  # stale for the first worker too: it renders anew
    second.get("/")  # the fresh shared copy, not a render of its own
    assert len(render_count) == 2


def test_the_local_tier_is_bounded_in_pages_and_bytes():
    clock = Clock()
    pages = LocalPages(seconds=5, max_pages=2, max_bytes=10, clock=clock)

    def page(size):
        return CachedPage("200 OK", [], b"x" * size, fresh_until=clock.now + 60)

    pages.put("a", page(4))
    pages.put("b", page(4))
    pages.get("a")  # used: "b" is now the oldest
    pages.put("c", page(4))
    assert (pages.get("a"), pages.get("b")) != (None, None)
    assert pages.get("b") is None
    pages.put("big", page(11))  # larger than the whole tier: never kept
    assert pages.get("big") is None
    clock.now += 5
    assert pages.get("a") is None


# One render per missing page


def test_while_another_worker_renders_the_stale_copy_is_served(make_app, render_count):
    shared, clock = SimpleCache(), Clock()
    app = worker(make_app, shared, clock)
    client = app.test_client()
    fresh = client.get("/").data
    clock.now += app.config["CACHE_DEFAULT_TIMEOUT"] + 1  # stale, still kept
    shared.add(f"{HOME_KEY}:rendering", True)  # another worker is rendering it
    assert client.get("/").data == fresh
    assert len(render_count) == 1


def test_a_missing_page_being_rendered_elsewhere_is_awaited(make_app, render_count):
    shared, clock = SimpleCache(), Clock()
    app = worker(make_app, shared, clock)
    front = page_front(app)
    shared.add(f"{HOME_KEY}:rendering", True)
    rendered = CachedPage(
        "200 OK",
        [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "public")],
        b"rendered by the other worker",
        fresh_until=clock.now + 60,
    )

    def other_worker_finishes(seconds):
        shared.set(HOME_KEY, rendered)
        shared.delete(f"{HOME_KEY}:rendering")

    front.sleep = other_worker_finishes
    assert app.test_client().get("/").data == b"rendered by the other worker"
    assert len(render_count) == 0


def test_a_worker_renders_itself_when_the_other_never_finishes(make_app, render_count):
    shared, clock = SimpleCache(), Clock()
    app = worker(make_app, shared, clock, PAGE_CACHE_WAIT=0)
    shared.add(f"{HOME_KEY}:rendering", True)  # held by a worker that died
    assert app.test_client().get("/").status_code == 200
    assert len(render_count) == 1


def test_the_front_is_not_installed_when_caching_is_off(make_app):
    app = make_app(CACHE_BACKEND="flask_caching.backends.NullCache")
    assert page_front(app) is None
    assert not isinstance(app.wsgi_app, PageFront)
