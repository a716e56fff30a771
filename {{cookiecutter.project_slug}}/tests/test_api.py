"""The tasks API, version 1: every operation with a token and with the browser session,
pagination, conditional requests, and every way a request can be wrong (problem details
with the status the OpenAPI document promises)."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import ApiToken
from {{ cookiecutter.package_name }}.models.types import utc_now

from .account_helpers import add_user, log_in_for_api, token_for, with_token

TASKS = "/api/v1/tasks"
ONE_TASK = TASKS + "/{task_id}"  # as the OpenAPI document names it
PROBLEM = "application/problem+json"


def create(client, **fields):
    response = client.post(TASKS, json=fields)
    assert response.status_code == 201, response.get_json()
    return response


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["type"] == "about:blank"
    return body


def items(response):
    return response.get_json()["items"]


# Every operation, with a token and with the session


def test_create_read_replace_update_delete(api_writer):
    created = create(api_writer, title="  Write the docs ", description="All of them")
    task = created.get_json()
    assert task["title"] == "Write the docs"
    assert task["done"] is False
    assert created.headers["Location"] == f"{TASKS}/{task['id']}"
    assert api_writer.get(created.headers["Location"]).get_json() == task
    replaced = api_writer.put(f"{TASKS}/{task['id']}", json={"title": "Docs", "done": True})
    assert replaced.get_json()["description"] == ""  # left out of a PUT: its default
    updated = api_writer.patch(f"{TASKS}/{task['id']}", json={"done": False}).get_json()
    assert (updated["title"], updated["done"]) == ("Docs", False)
    assert api_writer.delete(f"{TASKS}/{task['id']}").status_code == 204
    problem(api_writer.get(f"{TASKS}/{task['id']}"), 404)


def test_statistics_follow_changes(api_writer):
    task = create(api_writer, title="one").get_json()
    api_writer.patch(f"{TASKS}/{task['id']}", json={"done": True})
    figures = api_writer.get(f"{TASKS}/statistics").get_json()
    assert (figures["total"], figures["done"], figures["open"]) == (1, 1, 0)


def test_one_request_creates_a_task_with_a_token(app):
    add_user(app, "script@example.org")
    secret = token_for(app, "script@example.org")
    response = app.test_client().post(
        TASKS, json={"title": "From cron"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers  # a token makes no session


# Pagination and filter


def test_pages_link_to_each_other(api_writer):
    ids = [create(api_writer, title=f"task {n}").get_json()["id"] for n in range(5)]
    first = api_writer.get(f"{TASKS}?per_page=2").get_json()
    assert [task["id"] for task in first["items"]] == ids[::-1][:2]  # newest first
    assert first["links"]["previous"] is None
    second = api_writer.get(first["links"]["next"]).get_json()
    assert [task["id"] for task in second["items"]] == ids[::-1][2:4]
    last = api_writer.get(second["links"]["next"]).get_json()
    assert [task["id"] for task in last["items"]] == [ids[0]]
    assert last["links"]["next"] is None
    assert last["links"]["previous"] == second["links"]["self"]


@pytest.mark.parametrize("query", ["per_page=0", "per_page=101", "page=0", "page=-1", "page=x"])
def test_page_arguments_out_of_range_are_422(api_writer, query):
    body = problem(api_writer.get(f"{TASKS}?{query}"), 422)
    assert query.split("=")[0] in body["errors"]["query"]


def test_a_page_past_the_last_is_empty(api_writer):
    create(api_writer, title="only")
    body = api_writer.get(f"{TASKS}?page=1000000").get_json()
    assert body["items"] == []
    assert body["links"]["next"] is None


def test_the_list_filters_by_done(api_writer):
    done = create(api_writer, title="done", done=True).get_json()
    open_ = create(api_writer, title="open").get_json()
    assert [task["id"] for task in items(api_writer.get(f"{TASKS}?done=true"))] == [done["id"]]
    assert [task["id"] for task in items(api_writer.get(f"{TASKS}?done=false"))] == [open_["id"]]
    links = api_writer.get(f"{TASKS}?done=false&per_page=1").get_json()["links"]
    assert "done=false" in links["self"]


# Conditional requests


def test_reads_carry_an_etag_and_answer_304(api_writer):
    created = create(api_writer, title="cached")
    location, etag = created.headers["Location"], created.headers["ETag"]
    assert api_writer.get(location).headers["ETag"] == etag
    again = api_writer.get(location, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize(
    ("method", "body"), [("put", {"title": "mine"}), ("patch", {"done": True}), ("delete", None)]
)
def test_a_stale_if_match_is_412_and_changes_nothing(api_writer, method, body):
    created = create(api_writer, title="shared")
    location, old_etag = created.headers["Location"], created.headers["ETag"]
    changed = api_writer.patch(location, json={"description": "someone else was here"})
    assert changed.headers["ETag"] != old_etag
    stale = getattr(api_writer, method)(location, json=body, headers={"If-Match": old_etag})
    problem(stale, 412)
    assert api_writer.get(location).get_json()["description"] == "someone else was here"
    current = getattr(api_writer, method)(
        location, json=body, headers={"If-Match": changed.headers["ETag"]}
    )
    assert current.status_code in (200, 204)


# Authentication and permission


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", TASKS), ("put", f"{TASKS}/1"), ("patch", f"{TASKS}/1"), ("delete", f"{TASKS}/1")],
)
def test_changes_without_credentials_are_401(client, method, path):
    response = getattr(client, method)(path, json={"title": "x"})
    problem(response, 401)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


@pytest.mark.parametrize(
    "authorization", ["Bearer pat_wrong", "Bearer ", "Basic d3JpdGVyOnB3", "pat_no_scheme"]
)
def test_a_wrong_token_is_401_even_for_reading(client, authorization):
    response = client.get(TASKS, headers={"Authorization": authorization})
    problem(response, 401)
    assert "bearer" in response.headers["WWW-Authenticate"].lower()


def test_a_revoked_or_expired_token_is_401(app):
    add_user(app, "gone@example.org")
    revoked = token_for(app, "gone@example.org", name="revoked")
    expired = token_for(app, "gone@example.org", name="expired", expires_in_days=1)
    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.name == "expired"))
        token.expires_at = utc_now() - timedelta(seconds=1)
        db.session.commit()
    client = app.test_client()
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "token", "revoke", "--email", "gone@example.org", "--name", "revoked"]
    )
    assert result.exit_code == 0, result.output
    for secret in (revoked, expired):
        response = client.get(TASKS, headers={"Authorization": f"Bearer {secret}"})
        assert "invalid_token" in response.headers["WWW-Authenticate"]
        problem(response, 401)


def test_a_session_without_the_csrf_header_is_refused(app):
    add_user(app, "browser@example.org")
    client = log_in_for_api(app.test_client(), "browser@example.org")
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    assert client.post(TASKS, json={"title": "x"}).status_code == 400


def test_only_the_owner_or_a_moderator_changes_a_task(app, api_writer):
    task = create(api_writer, title="mine").get_json()
    add_user(app, "other@example.org")
    add_user(app, "moderator@example.org", role="Moderator")
    other = with_token(app.test_client(), token_for(app, "other@example.org"))
    moderator = with_token(app.test_client(), token_for(app, "moderator@example.org"))
    problem(other.patch(f"{TASKS}/{task['id']}", json={"done": True}), 403)
    problem(other.delete(f"{TASKS}/{task['id']}"), 403)
    assert moderator.patch(f"{TASKS}/{task['id']}", json={"done": True}).status_code == 200


def test_a_user_without_a_role_may_read_but_not_write(app):
    add_user(app, "reader@example.org", role=None)
    reader = with_token(app.test_client(), token_for(app, "reader@example.org"))
    assert reader.get(TASKS).status_code == 200
    problem(reader.post(TASKS, json={"title": "x"}), 403)


def test_each_token_has_its_own_rate_limit(make_app):
    app = make_app(API_RATE_LIMIT="2 per minute")
    add_user(app, "busy@example.org")
    first = with_token(app.test_client(), token_for(app, "busy@example.org", name="one"))
    second = with_token(app.test_client(), token_for(app, "busy@example.org", name="two"))
    assert [first.get(TASKS).status_code for _ in range(3)] == [200, 200, 429]
    problem(first.get(TASKS), 429)
    assert second.get(TASKS).status_code == 200


# Request bodies


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({}, "title", "required"),
        ({"title": "   "}, "title", "blank"),
        ({"title": 42}, "title", "Not a valid string"),
        ({"title": "x" * 201}, "title", "Longer than 200"),
        ({"title": " " * 200 + "x"}, "title", "Longer than 200"),  # counted as sent
        ({"title": "ok", "done": "maybe"}, "done", "Not a valid boolean"),
        ({"title": "ok", "done": 1}, "done", "Not a valid boolean"),  # as the document says
        ({"title": "ok", "done": "true"}, "done", "Not a valid boolean"),
        ({"title": "ok", "description": ["a"]}, "description", "Not a valid string"),
        ({"title": "ok", "owner": "me"}, "owner", "Unknown field"),
        ({"title": "ok", "id": 7}, "id", "Unknown field"),
    ],
)
def test_invalid_fields_are_named_and_nothing_is_stored(api_writer, body, field, message):
    body_problem = problem(api_writer.post(TASKS, json=body), 422)
    assert message in " ".join(body_problem["errors"]["json"][field])
    assert items(api_writer.get(TASKS)) == []


def test_an_invalid_update_changes_nothing(api_writer):
    task = create(api_writer, title="Keep me").get_json()
    problem(api_writer.patch(f"{TASKS}/{task['id']}", json={"title": "", "done": True}), 422)
    problem(api_writer.put(f"{TASKS}/{task['id']}", json={"done": True}), 422)
    assert api_writer.get(f"{TASKS}/{task['id']}").get_json() == task


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_the_body_must_be_json(api_writer, method):
    path = TASKS if method == "post" else f"{TASKS}/1"
    response = getattr(api_writer, method)(path, data="title=form", content_type="text/plain")
    assert "application/json" in problem(response, 415)["detail"]


@pytest.mark.parametrize(
    ("raw", "status", "reason"),
    [
        ("not json", 400, "not valid JSON: Expecting value"),
        ('{"title": "unfinished', 400, "not valid JSON: Unterminated string"),
        pytest.param("[" * 5000 + "]" * 5000, 400, "nested too deeply", id="nested-5000-deep"),
        (b"\xff\xfe{}", 400, "not valid JSON"),
        ("[1, 2]", 422, "Invalid input type"),
        ('"a string"', 422, "Invalid input type"),
    ],
)
def test_a_body_that_is_no_json_object_is_refused(api_writer, raw, status, reason):
    response = api_writer.post(TASKS, data=raw, content_type="application/json")
    assert reason in str(problem(response, status))


def test_unknown_tasks_are_404(api_writer):
    for method in ("get", "put", "patch", "delete"):
        response = getattr(api_writer, method)(f"{TASKS}/999", json={"title": "x"})
        assert "There is no task 999." in problem(response, 404)["detail"]


# The document


def test_the_openapi_document_describes_every_operation(client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    operations = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters" and path.startswith(TASKS)  # other resources have their own
    }
    assert operations == {
        (TASKS, "get"),
        (TASKS, "post"),
        (ONE_TASK, "get"),
        (ONE_TASK, "put"),
        (ONE_TASK, "patch"),
        (ONE_TASK, "delete"),
        (f"{TASKS}/statistics", "get"),
    }
    not_found = document["components"]["responses"]["NOT_FOUND"]
    assert list(not_found["content"]) == [PROBLEM]


def test_the_openapi_command_prints_the_served_document(client, runner):
    # `flask openapi` is flask-smorest's command, reading the app's Api.
    printed = runner.invoke(args=["openapi", "print"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == client.get("/api/openapi.json").get_json()


def test_the_documentation_page_is_served_locally(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>" not in html  # the CSP allows no inline script
    for path in (
        "/api/docs/swagger-ui/swagger-ui-bundle.js",
        "/api/docs/swagger-ui/swagger-ui.css",
        "/static/api-docs.js",
    ):
        assert path in html
        assert client.get(path).status_code == 200
