import pytest
from sqlalchemy import func, select

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Task


def test_404_is_html_for_browsers(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert b"404 Not Found" in response.data


def test_404_is_json_for_api_clients(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_404_under_api_path_is_json_whatever_the_accept_header(client):
    response = client.get("/api/nothing", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.get_json()["title"] == "Not Found"


def test_405_keeps_the_allow_header(client):
    response = client.post("/status", headers={"Accept": "application/json"})
    assert response.status_code == 405
    assert response.get_json()["status"] == 405
    assert "GET" in response.headers["Allow"]


@pytest.fixture
def failing_app(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/fail-after-write")
    def fail_after_write():
        db.session.add(Task(title="never committed"))
        db.session.flush()
        raise RuntimeError("boom")

    return app


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [("text/html", "text/html"), ("application/json", "application/problem+json")],
)
def test_500_is_negotiated(failing_app, accept, mimetype):
    response = failing_app.test_client().get("/fail-after-write", headers={"Accept": accept})
    assert response.status_code == 500
    assert response.mimetype == mimetype
    assert b"boom" not in response.data


def test_500_rolls_the_session_back(failing_app):
    failing_app.test_client().get("/fail-after-write")
    with failing_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Task)) == 0
