"""A resource added to the API the documented way (a module with its flask-smorest
Blueprint `blp`, named in api.RESOURCES) has what every resource has: token
authentication, JSON bodies, problem details, pagination, the rate limit per token and
its place in the OpenAPI document, whatever the app's first request is.

This module is that resource: "notes", kept in memory for the test.
"""

import itertools
import json

import marshmallow as ma
import pytest
from flask_login import current_user
from flask_smorest import Blueprint
from werkzeug.exceptions import NotFound

from {{ cookiecutter.package_name }} import api
from {{ cookiecutter.package_name }}.api.authentication import (
    TOKEN,
    authentication_required,
    rate_limited,
)
from {{ cookiecutter.package_name }}.api.pagination import (
    PageArgs,
    page_body,
    page_of,
)
from {{ cookiecutter.package_name }}.api.problems import (
    NOT_FOUND_ERRORS,
    WRITE_ERRORS,
    errors,
)
from {{ cookiecutter.package_name }}.api.schemas import StrictSchema

from .account_helpers import add_user, log_in_for_api, token_for, with_token

NOTES = "/api/v1/notes"
PROBLEM = "application/problem+json"

blp = Blueprint("notes_api", __name__, url_prefix="/notes", description="Notes of a test.")
STORED: dict[int, dict] = {}
IDS = itertools.count(1)


class NoteSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    text = ma.fields.String(required=True)
    author = ma.fields.String(required=True)


class NoteWriteSchema(StrictSchema):
    text = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50))


@blp.get("")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(NoteSchema))
@blp.doc(security=TOKEN)
@errors(blp)
@authentication_required
@rate_limited
def list_notes(page: int, per_page: int):
    """Every note, a page at a time."""
    notes = sorted(STORED.values(), key=lambda note: note["id"])
    start = (page - 1) * per_page
    return page_body(notes[start : start + per_page], page, per_page, len(notes) > page * per_page)


@blp.post("")
@blp.arguments(NoteWriteSchema)
@blp.response(201, NoteSchema)
@blp.doc(security=TOKEN)
@errors(blp, WRITE_ERRORS)
@rate_limited
def create_note(fields: dict):
    """Write a note."""
    note = {"id": next(IDS), "text": fields["text"], "author": current_user.email}
    STORED[note["id"]] = note
    return note


@blp.get("/<id:note_id>")
@blp.response(200, NoteSchema)
@errors(blp, NOT_FOUND_ERRORS)
def get_note(note_id: int):
    """One note."""
    if note_id not in STORED:
        raise NotFound(f"There is no note {note_id}.")
    return STORED[note_id]


@pytest.fixture
def app(make_app, monkeypatch):
    """An app with this module among the API's resources."""
    monkeypatch.setattr(api, "RESOURCES", (*api.RESOURCES, __name__))
    STORED.clear()
    return make_app()


@pytest.fixture
def writer(app):
    add_user(app, "notes@example.org")
    return with_token(app.test_client(), token_for(app, "notes@example.org"))


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    return body


def test_a_valid_token_is_the_caller(writer):
    created = writer.post(NOTES, json={"text": "hello"})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["author"] == "notes@example.org"
    assert writer.get(NOTES).get_json()["items"] == [created.get_json()]


def test_no_token_is_a_401_with_the_bearer_challenge(client):
    for response in (client.post(NOTES, json={"text": "x"}), client.get(NOTES)):
        problem(response, 401)
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_wrong_token_is_a_401_even_for_what_is_public(client):
    response = client.get(f"{NOTES}/1", headers={"Authorization": "Bearer pat_wrong"})
    assert "invalid_token" in response.headers["WWW-Authenticate"]
    problem(response, 401)


def test_the_session_needs_the_csrf_header_to_write(app):
    add_user(app, "browser@example.org")
    client = log_in_for_api(app.test_client(), "browser@example.org")
    assert client.post(NOTES, json={"text": "with the header"}).status_code == 201
    del client.environ_base["HTTP_X_CSRFTOKEN"]
    problem(client.post(NOTES, json={"text": "without"}), 400)


def test_errors_are_problem_details(writer):
    assert "There is no note 99." in problem(writer.get(f"{NOTES}/99"), 404)["detail"]
    assert "text" in problem(writer.post(NOTES, json={"text": ""}), 422)["errors"]["json"]
    assert "Unknown field" in str(problem(writer.post(NOTES, json={"text": "a", "x": 1}), 422))
    problem(writer.post(NOTES, data="text=form", content_type="text/plain"), 415)
    problem(writer.post(NOTES, data="{", content_type="application/json"), 400)
    problem(writer.get(f"{NOTES}?per_page=0"), 422)


def test_pages_link_to_each_other(writer):
    ids = [writer.post(NOTES, json={"text": f"n{n}"}).get_json()["id"] for n in range(3)]
    first = writer.get(f"{NOTES}?per_page=2").get_json()
    assert [note["id"] for note in first["items"]] == ids[:2]
    second = writer.get(first["links"]["next"]).get_json()
    assert [note["id"] for note in second["items"]] == ids[2:]
    assert second["links"]["next"] is None
    assert second["links"]["previous"] == first["links"]["self"]


def test_each_token_has_its_own_rate_limit(make_app, monkeypatch):
    monkeypatch.setattr(api, "RESOURCES", (*api.RESOURCES, __name__))
    app = make_app(API_RATE_LIMIT="2 per minute")
    add_user(app, "busy@example.org")
    first = with_token(app.test_client(), token_for(app, "busy@example.org", name="one"))
    second = with_token(app.test_client(), token_for(app, "busy@example.org", name="two"))
    assert [first.get(NOTES).status_code for _ in range(2)] == [200, 200]
    problem(first.get(NOTES), 429)
    assert second.get(NOTES).status_code == 200


def operations(document):
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }


def test_the_document_describes_it_when_read_first(app):
    # The document is the app's first request: nothing else has imported anything yet.
    document = app.test_client().get("/api/openapi.json").get_json()
    described = operations(document)
    assert {(NOTES, "get"), (NOTES, "post"), (NOTES + "/{note_id}", "get")} <= described
    assert ("/api/v1/tasks", "get") in described
    assert {"name": "notes_api", "description": "Notes of a test."} in document["tags"]
    not_found = document["paths"][NOTES + "/{note_id}"]["get"]["responses"]["404"]
    assert not_found == {"$ref": "#/components/responses/NOT_FOUND"}
    assert list(document["components"]["responses"]["NOT_FOUND"]["content"]) == [PROBLEM]
    assert document["paths"][NOTES]["post"]["security"] == TOKEN


def test_the_openapi_command_prints_it(app):
    printed = app.test_cli_runner().invoke(args=["openapi", "print"])
    assert printed.exit_code == 0, printed.output
    assert (NOTES, "post") in operations(json.loads(printed.output))
