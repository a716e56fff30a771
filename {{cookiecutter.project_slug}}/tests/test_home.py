import secrets

from markupsafe import escape

from {{ cookiecutter.package_name }}.caching.pages import cached_page
from {{ cookiecutter.package_name }}.http_caching import public_page
from {{ cookiecutter.package_name }}.main import views


def test_home_page_shows_the_app(app, client):
    response = client.get("/")
    assert response.status_code == 200
    assert escape(app.config["APP_NAME"]) in response.get_data(as_text=True)


def test_anonymous_home_page_is_served_from_cache(client, render_count):
    first = client.get("/")
    second = client.get("/")
    assert first.data == second.data
    assert len(render_count) == 1


def test_undeclared_query_parameters_neither_vary_the_key_nor_add_entries(client, render_count):
    # 1,500 random ?q= values once made 1,500 cache entries.
    pages = {client.get(f"/?q={secrets.token_hex(8)}&page={n}").data for n in range(200)}
    assert len(render_count) == 1
    assert len(pages) == 1


def test_declared_query_parameters_are_part_of_the_key(make_app, render_count):
    app = make_app()

    @app.get("/listing")
    @public_page
    @cached_page(query_params={"page": lambda value: value if value in ("1", "2") else None})
    def listing():
        return views.render_template("main/index.html")

    client = app.test_client()
    for query in ("page=1", "page=2", "page=1&q=x", "page=2&utm=y", "page=3", "page=3"):
        assert client.get(f"/listing?{query}").status_code == 200
    # One render per accepted value; a value the page does not accept is never stored.
    assert len(render_count) == 4


def test_script_root_is_part_of_the_key(client, render_count):
    # A request under another script root renders links under it: it must not be the
    # page everybody else gets.
    mounted = client.get("/", environ_overrides={"SCRIPT_NAME": "//evil.example"})
    assert "//evil.example/tasks/" in mounted.get_data(as_text=True)
    plain = client.get("/").get_data(as_text=True)
    assert "evil.example" not in plain
    assert len(render_count) == 2


def test_visitor_with_a_session_gets_a_fresh_page(app, client, render_count):
    client.get("/")
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "a-session")
    client.get("/")
    client.get("/")
    assert len(render_count) == 3


def test_cache_outage_still_serves_the_page(make_app, render_count):
    app = make_app(CACHE_BACKEND="tests.broken_cache.BrokenCache")
    client = app.test_client()
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert len(render_count) == 2
