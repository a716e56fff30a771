"""Whatever a client sends, the answer is never a 500: ids out of every database's
range, unstorable text, deep JSON and oversized bodies each get a clear 4xx."""

import pytest

from {{ cookiecutter.package_name }}.routing import MAX_ID, IdConverter

from .account_helpers import csrf_token

# Beyond PostgreSQL's and MySQL's INTEGER, beyond SQLite's 64 bits, beyond what
# Python's int() accepts from a string, and ids that are not ids.
HUGE_IDS = [MAX_ID + 1, 2**63, 10**30, "9" * 5000, "0", "-1", "1e3", "٣"]
NUL = "a\x00b"
LONE_SURROGATE = "\ud800"


def test_every_numeric_route_argument_is_a_bounded_id(app):
    assert app.url_map.converters["id"] is IdConverter
    unbounded = [rule.rule for rule in app.url_map.iter_rules() if "<int" in rule.rule]
    assert unbounded == []  # an <int:...> would hand any number to the database


@pytest.mark.parametrize("task_id", HUGE_IDS)
def test_ids_beyond_the_database_range_are_404(writer, task_id):
    for method in ("get", "patch", "delete"):
        response = getattr(writer, method)(f"/api/v1/tasks/{task_id}", json={"done": True})
        assert response.status_code == 404, (method, response.status_code)


def test_largest_id_is_looked_up_and_not_found(writer):
    assert writer.get(f"/api/v1/tasks/{MAX_ID}").status_code == 404


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("title", NUL, "NUL"),
        ("description", NUL, "NUL"),
        ("title", LONE_SURROGATE, "surrogate"),
        ("description", "ok " + LONE_SURROGATE, "surrogate"),
    ],
)
def test_api_refuses_text_no_database_stores(writer, field, value, problem):
    body = {"title": "a title", field: value}
    response = writer.post("/api/v1/tasks", json=body)
    assert response.status_code == 422
    assert problem in " ".join(response.get_json()["errors"]["json"][field])
    assert writer.get("/api/v1/tasks").get_json()["items"] == []  # nothing stored


def test_api_refuses_a_lone_surrogate_in_raw_json(writer):
    raw = '{"title": "\\ud800"}'
    response = writer.post("/api/v1/tasks", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert "surrogate" in " ".join(response.get_json()["errors"]["json"]["title"])


def test_api_patch_refuses_a_nul_and_keeps_the_task(writer):
    created = writer.post("/api/v1/tasks", json={"title": "kept"}).get_json()
    response = writer.patch(f"/api/v1/tasks/{created['id']}", json={"title": NUL})
    assert response.status_code == 422
    assert writer.get(f"/api/v1/tasks/{created['id']}").get_json()["title"] == "kept"


@pytest.mark.parametrize("field", ["title", "description"])
def test_task_form_refuses_a_nul(writer, field):
    data = {"title": "a title", "description": "", field: NUL}
    response = writer.post("/tasks/", data={**data, "csrf_token": csrf_token(writer, "/tasks/")})
    assert response.status_code == 400
    assert "must not contain NUL characters" in response.get_data(as_text=True)
    assert writer.get("/api/v1/tasks").get_json()["items"] == []


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/auth/login", {"email": "a\x00@example.org", "password": "x" * 12}),
        ("/auth/register", {"email": "n\x00@example.org", "password": NUL * 12}),
        ("/auth/reset", {"email": "nul\x00@example.org"}),
        ("/auth/resend", {"email": "nul\x00@example.org"}),
    ],
)
def test_account_forms_refuse_a_nul(client, path, data):
    response = client.post(path, data={**data, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 400
    assert "must not contain NUL characters" in response.get_data(as_text=True)


def test_json_sent_to_a_form_is_checked_too(writer):
    token = writer.environ_base["HTTP_X_CSRFTOKEN"]
    deep = "[" * 5000 + "]" * 5000
    response = writer.post("/tasks/", data=deep, content_type="application/json")
    assert response.status_code == 400
    response = writer.post(
        "/tasks/",
        json={"title": LONE_SURROGATE, "csrf_token": token},
        headers={"Accept": "text/html"},
    )
    assert response.status_code == 400
    assert "surrogate" in response.get_data(as_text=True)


def test_a_body_over_the_limit_is_413_before_it_is_read(make_app):
    app = make_app(MAX_CONTENT_LENGTH=2048)
    client = app.test_client()
    big = "x" * 4096
    api = client.post("/api/v1/tasks", data=big, content_type="application/json")
    assert api.status_code == 413  # before authentication: nobody reads the body
    assert "larger than 2048 bytes" in api.get_json()["detail"]
    form = client.post("/auth/login", data={"email": big}, headers={"Accept": "text/html"})
    assert form.status_code == 413
    assert form.mimetype == "text/html"
    assert client.post("/api/v1/tasks", json={"title": "small"}).status_code == 401
