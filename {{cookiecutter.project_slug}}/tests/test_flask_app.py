"""The app's Flask class (flask_app.py): what it remembers between requests gives the
answers Flask would have computed."""

import pytest
from flask import Blueprint, session

from {{ cookiecutter.package_name }}.flask_app import MAX_REMEMBERED_URLS


def test_a_url_is_built_for_each_script_root(app):
    for root in ("", "/mounted", "/other"):
        with app.test_request_context("/", environ_overrides={"SCRIPT_NAME": root}):
            assert app.url_for("tasks.list_tasks") == f"{root}/tasks/"
            assert app.url_for("static", filename="style.css") == f"{root}/static/style.css"


def test_external_and_anchored_urls_are_not_taken_from_the_relative_ones(app):
    with app.test_request_context("/", base_url="https://app.example"):
        assert app.url_for("tasks.list_tasks") == "/tasks/"
        assert app.url_for("tasks.list_tasks", _external=True) == "https://app.example/tasks/"
        assert app.url_for("tasks.list_tasks", _anchor="top") == "/tasks/#top"


def test_values_are_part_of_the_url(app):
    with app.test_request_context("/"):
        assert app.url_for("tasks.list_tasks", page=2) == "/tasks/?page=2"
        assert app.url_for("tasks.list_tasks", page=3) == "/tasks/?page=3"
        # A list cannot be remembered by value: it is built every time.
        assert app.url_for("tasks.list_tasks", tag=["a", "b"]) == "/tasks/?tag=a&tag=b"


def test_a_relative_endpoint_belongs_to_the_requests_blueprint(make_app):
    app = make_app()
    for name in ("first", "second"):
        blueprint = Blueprint(name, __name__, url_prefix=f"/{name}")
        blueprint.add_url_rule("/", "page", lambda: "")
        app.register_blueprint(blueprint)
    urls = {}
    for name in ("first", "second"):
        with app.test_request_context(f"/{name}/"):
            urls[name] = app.url_for(".page")
    assert urls == {"first": "/first/", "second": "/second/"}


def test_remembered_urls_are_bounded(app):
    with app.test_request_context("/"):
        for number in range(MAX_REMEMBERED_URLS + 10):
            assert app.url_for("tasks.list_tasks", page=number).endswith(f"={number}")
    assert len(app._urls) <= MAX_REMEMBERED_URLS


@pytest.fixture
def session_app(make_app):
    app = make_app()

    @app.get("/remember")
    def remember():
        session["seen"] = True
        return ""

    @app.get("/recall")
    def recall():
        return {"seen": session.get("seen", False)}

    return app


def test_a_new_secret_ends_the_sessions_signed_with_the_old_one(session_app):
    client = session_app.test_client()
    client.get("/remember")
    assert client.get("/recall").json == {"seen": True}
    session_app.secret_key = "another-secret"
    assert client.get("/recall").json == {"seen": False}


def test_sessions_signed_with_a_fallback_secret_are_still_read(session_app):
    client = session_app.test_client()
    client.get("/remember")
    old = session_app.secret_key
    session_app.secret_key = "the-new-secret"
    session_app.config["SECRET_KEY_FALLBACKS"] = [old]
    assert client.get("/recall").json == {"seen": True}


def test_sync_functions_are_used_as_they_are(app):
    def hook():
        return None

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook


{% raw %}def test_templates_see_the_environment_globals_under_their_own(app):
    env = app.jinja_env
    with app.test_request_context("/"):
        assert env.from_string("{{ config['APP_NAME'] }}").render() == app.config["APP_NAME"]
        own = env.from_string("{{ url_for }} {{ extra }}", globals={"url_for": "a", "extra": "b"})
        assert own.render() == "a b"
        # A template's own globals never reach the environment's, nor other templates.
        assert "extra" not in env.globals
        assert env.from_string("{{ url_for('main.index') }}").render() == "/"{% endraw %}
