"""The tasks JSON API: changes, and every way a request body can be wrong."""

import pytest


def create(writer, **fields):
    response = writer.post("/api/tasks", json=fields)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_create_read_update_delete(writer):
    task = create(writer, title="  Write the docs ", description="All of them")
    assert task["title"] == "Write the docs"
    assert task["done"] is False
    assert writer.get(f"/api/tasks/{task['id']}").get_json() == task
    updated = writer.patch(f"/api/tasks/{task['id']}", json={"done": True}).get_json()
    assert updated["done"] is True
    assert updated["title"] == "Write the docs"
    assert writer.delete(f"/api/tasks/{task['id']}").status_code == 204
    assert writer.get(f"/api/tasks/{task['id']}").status_code == 404


def test_list_is_newest_first(writer):
    first = create(writer, title="first")
    second = create(writer, title="second")
    ids = [task["id"] for task in writer.get("/api/tasks").get_json()["tasks"]]
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
def test_invalid_fields_are_named(writer, body, field, message):
    response = writer.post("/api/tasks", json=body)
    assert response.status_code == 400
    assert message in response.get_json()["error"]["fields"][field]
    assert writer.get("/api/tasks").get_json()["tasks"] == []


def test_invalid_update_changes_nothing(writer):
    task = create(writer, title="Keep me")
    response = writer.patch(f"/api/tasks/{task['id']}", json={"title": "", "done": True})
    assert response.status_code == 400
    assert writer.get(f"/api/tasks/{task['id']}").get_json() == task


def test_body_must_be_json(writer):
    response = writer.post("/api/tasks", data="title=form", content_type="text/plain")
    assert response.status_code == 415
    assert "application/json" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("[1, 2]", "must be a JSON object"),
        ('"a string"', "must be a JSON object"),
        ("not json", "not valid JSON: Expecting value"),
        ('{"title": "unfinished', "not valid JSON: Unterminated string"),
        ("[" * 5000 + "]" * 5000, "nested too deeply"),
        (b"\xff\xfe{}", "not valid JSON"),
    ],
)
def test_body_must_be_a_json_object(writer, raw, problem):
    response = writer.post("/api/tasks", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert problem in response.get_json()["error"]["message"]


def test_unknown_task_is_404(writer):
    assert writer.patch("/api/tasks/999", json={"done": True}).status_code == 404
    assert writer.delete("/api/tasks/999").status_code == 404
