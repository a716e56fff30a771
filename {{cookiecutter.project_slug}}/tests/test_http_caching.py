"""HTTP caching: public pages carry max-age and an ETag, everything else is private."""

import pytest


def test_public_page_may_be_stored_and_carries_an_etag(app, client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.cache_control.public is True
    assert response.cache_control.max_age == app.config["HTTP_CACHE_MAX_AGE"]
    assert "Cookie" in response.vary
    assert response.get_etag()[0]


def test_matching_etag_gets_304_without_a_body(client):
    etag = client.get("/").get_etag()[0]
    again = client.get("/", headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304
    assert again.data == b""


def test_changed_content_gets_a_new_etag_and_a_full_answer(client, writer):
    old = client.get("/api/v1/tasks/statistics").get_etag()[0]
    writer.post("/api/v1/tasks", json={"title": "One more"})
    response = client.get("/api/v1/tasks/statistics", headers={"If-None-Match": f'"{old}"'})
    assert response.status_code == 200
    assert response.get_json()["total"] == 1
    assert response.get_etag()[0] != old


def test_visitor_with_a_session_gets_a_private_page(app, client):
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], "a-session")
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_etag() == (None, None)


@pytest.mark.parametrize("path", ["/status", "/tasks/", "/api/v1/tasks", "/no-such-page"])
def test_other_responses_are_private_and_not_stored(client, path):
    assert client.get(path).headers["Cache-Control"] == "private, no-store"


def test_statistics_are_public_with_an_etag(client):
    response = client.get("/api/v1/tasks/statistics")
    assert response.cache_control.public is True
    etag = response.get_etag()[0]
    again = client.get("/api/v1/tasks/statistics", headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304
