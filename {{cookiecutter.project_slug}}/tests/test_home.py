from markupsafe import escape


def test_home_page_shows_the_app(app, client):
    response = client.get("/")
    assert response.status_code == 200
    assert escape(app.config["APP_NAME"]) in response.get_data(as_text=True)


def test_anonymous_home_page_is_served_from_cache(client, render_count):
    first = client.get("/")
    second = client.get("/")
    assert first.data == second.data
    assert len(render_count) == 1


def test_query_string_is_part_of_the_cache_key(client, render_count):
    client.get("/?page=1")
    client.get("/?page=2")
    client.get("/?page=1")
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
