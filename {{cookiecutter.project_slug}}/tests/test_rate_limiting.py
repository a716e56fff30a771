"""Flask-Limiter, wired as its documentation shows: every limit it offers works on every
blueprint, with the X-RateLimit headers and the shared 429 page."""

import pytest
from flask import Blueprint

from {{ cookiecutter.package_name }}.extensions import limiter

from .account_helpers import submit


@pytest.mark.parametrize("path", ["/auth/login", "/api/v1/tasks"])
def test_a_limited_view_still_answers_with_its_limit(client, path):
    if path == "/auth/login":
        response = submit(client, path, {"email": "nobody@example.org", "password": "wrong"})
    else:
        response = client.get(path)
    limit = int(response.headers["X-RateLimit-Limit"])
    assert int(response.headers["X-RateLimit-Remaining"]) == limit - 1
    assert "X-RateLimit-Limit" not in client.get("/").headers


def test_a_limited_view_in_a_new_blueprint_works_like_the_others(make_app):
    blueprint = Blueprint("limited_view", __name__)

    @blueprint.get("/limited")
    @limiter.limit("2 per minute")
    def limited_view():
        return "ok"

    assert_limited_to_two(make_app, blueprint)


def test_a_limited_blueprint_works_like_the_others(make_app):
    blueprint = Blueprint("limited_blueprint", __name__)
    limiter.limit("2 per minute")(blueprint)

    @blueprint.get("/limited")
    def view_of_a_limited_blueprint():
        return "ok"

    assert_limited_to_two(make_app, blueprint)


def assert_limited_to_two(make_app, blueprint):
    app = make_app()
    app.register_blueprint(blueprint)
    client = app.test_client()
    for remaining in (1, 0):
        response = client.get("/limited")
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "2"
        assert response.headers["X-RateLimit-Remaining"] == str(remaining)
    refused = client.get("/limited", headers={"Accept": "text/html"})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert "You have tried this too often" in refused.get_data(as_text=True)
