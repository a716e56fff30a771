"""The tasks JSON API: changes, and every way a request body can be wrong."""

import pytest


def create(client, **fields):
    response = client.post("/api/tasks", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_read_update_delete(client):
    task = create(client, title="  Write the docs ", description="All of them")
    assert task["title"] == "Write the docs"
    assert task["done"] is False
    assert client.get(f"/api/tasks/{task['id']}").get_json() == task
    updated = client.patch(f"/api/tasks/{task['id']}", json={"done": True}).get_json()
    assert updated["done"] is True
    assert updated["title"] == "Write the docs"
    assert client.delete(f"/api/tasks/{task['id']}").status_code == 204
    assert client.get(f"/api/tasks/{task['id']}").status_code == 404


def test_list_is_newest_first(client):
    first = create(client, title="first")
    second = create(client, title="second")
    ids = [task["id"] for task in client.get("/api/tasks").get_json()["tasks"]]
    assert ids == [second["id"], first["id"]]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "title", "required"),
        ({"title": "   "}, "title", "required"),
        ({"title": 42}, "title", "required"),
        ({"title": "x" * 201}, "title", "at most 200"),
        ({"title": "ok", "done": "yes"}, "done", "true or false"),
        ({"title": "ok", "description": ["a"]}, "description", "string"),
        ({"title": "ok", "owner": "me"}, "owner", "unknown field"),
    ],
)
def test_invalid_fields_are_named(client, body, field, message):
    response = client.post("/api/tasks", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["fields"][field]
    assert client.get("/api/tasks").get_json()["tasks"] == []


def test_invalid_update_changes_nothing(client):
    task = create(client, title="Keep me")
    response = client.patch(f"/api/tasks/{task['id']}", json={"title": "", "done": True})
    assert response.status_code == 400
    assert client.get(f"/api/tasks/{task['id']}").get_json() == task


def test_body_must_be_json(client):
    response = client.post("/api/tasks", data="title=form", content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("raw", ["[1, 2]", "not json", '"a string"'])
def test_body_must_be_a_json_object(client, raw):
    response = client.post("/api/tasks", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]["message"]


def test_unknown_task_is_404(client):
    assert client.patch("/api/tasks/999", json={"done": True}).status_code == 404
    assert client.delete("/api/tasks/999").status_code == 404
