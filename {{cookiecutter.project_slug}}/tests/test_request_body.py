"""A body the server cannot read is a 400 with the negotiated error page, never a 500.

The bodies here are read by the servers' own stream classes (gunicorn's request parser,
Werkzeug's development server's chunked input) from the bytes a client sent;
tests/test_served_production.py in the template sends them to a real gunicorn."""

import io
import logging

import pytest
from gunicorn.config import Config
from gunicorn.http.parser import RequestParser
from werkzeug.serving import DechunkedInput

from {{ cookiecutter.package_name }}.extensions import db
from {{ cookiecutter.package_name }}.models import Task

# (Werkzeug's development server does not take chunk extensions.)
WELL_FORMED_CHUNKED = b"4\r\ntitl\r\n3\r\ne=x\r\n0\r\n\r\n"


def gunicorn_body(path, content_type, head, body):
    """The request body as gunicorn hands it to the app (every worker class parses the
    request with this parser), read from the raw bytes of the request."""
    raw = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: {content_type}\r\n{head}\r\n"
    ).encode() + body
    request = next(iter(RequestParser(Config(), [raw], ("127.0.0.1", 40000))))
    return request.body


def development_server_body(path, content_type, head, body):
    """The chunked body as Werkzeug's development server hands it to the app."""
    return DechunkedInput(io.BufferedReader(io.BytesIO(body)))


# Chunked bodies gunicorn cannot read: a bad size, a bare LF where CRLF belongs, data
# beyond the size, a bad extension, a bad trailer, and bodies cut off by the client.
MALFORMED_CHUNKED = {
    "invalid size": b"zz\r\ntitle=x\r\n0\r\n\r\n",
    "negative size": b"-7\r\ntitle=x\r\n0\r\n\r\n",
    "hex prefix": b"0x7\r\ntitle=x\r\n0\r\n\r\n",
    "bare LF": b"7\ntitle=x\n0\n\n",
    "bare LF after data": b"7\r\ntitle=x\n0\r\n\r\n",
    "data beyond the size": b"3\r\ntitle=x\r\n0\r\n\r\n",
    "invalid extension": b"7;=x\r\ntitle=x\r\n0\r\n\r\n",
    "CR in an extension": b"7;a\rb\r\ntitle=x\r\n0\r\n\r\n",
    "invalid trailer": b"7\r\ntitle=x\r\n0\r\nnot a header\r\n\r\n",
    "cut off in a chunk": b"40\r\ntitle=x",
    "cut off before the last chunk": b"7\r\ntitle=x\r\n",
    "cut off before the final CRLF": b"7\r\ntitle=x\r\n0\r\n",
    "size line without end": b"7" + b" " * 9000,
    "empty": b"",
}
# Werkzeug's development server takes bare LFs and a 0x before the size.
LENIENT_DEVELOPMENT_SERVER = {"hex prefix", "bare LF", "bare LF after data"}
MALFORMED_BODIES = [
    pytest.param(gunicorn_body, body, id=f"gunicorn-{name}")
    for name, body in MALFORMED_CHUNKED.items()
] + [
    pytest.param(development_server_body, body, id=f"werkzeug-{name}")
    for name, body in MALFORMED_CHUNKED.items()
    if name not in LENIENT_DEVELOPMENT_SERVER
]


class FailingSocket(io.RawIOBase):
    """A body whose connection fails after a few bytes, as a reset socket does."""

    def __init__(self, error):
        self.error = error
        self.sent = False

    def readable(self):
        return True

    def readinto(self, buffer):
        if self.sent:
            raise self.error
        self.sent = True
        buffer[:5] = b"title"
        return 5


FORM = ("/tasks/", "application/x-www-form-urlencoded", {"Accept": "text/html"})
# The same form as multipart, which Werkzeug parses with another parser.
MULTIPART_FORM = ("/tasks/", "multipart/form-data; boundary=b", {"Accept": "text/html"})
API = ("/api/v1/tasks", "application/json", {"Accept": "application/json"})


def post_stream(client, target, stream, content_length=None, input_terminated=True):
    """POST `stream` as the server's wsgi.input: chunked, or of `content_length`."""
    path, content_type, accept = target
    environ = {"wsgi.input": stream, "wsgi.input_terminated": input_terminated}
    headers = dict(accept)
    if content_length is None:
        headers["Transfer-Encoding"] = "chunked"
    else:
        environ["CONTENT_LENGTH"] = str(content_length)
    # gunicorn says it ends the stream itself (Werkzeug then reads it to the end).
    return client.post(path, content_type=content_type, headers=headers, environ_overrides=environ)


def assert_bad_request(response, target, records):
    assert response.status_code == 400, response.get_data(as_text=True)
    if target is API:
        assert response.mimetype == "application/problem+json"
        assert "request body could not be read" in response.get_json()["detail"]
    else:
        assert response.mimetype == "text/html"
        assert "request body could not be read" in response.get_data(as_text=True)
    assert [record for record in records if record.levelno >= logging.WARNING] == []


def tasks_stored(app):
    with app.app_context():
        return db.session.scalars(db.select(Task)).all()


@pytest.mark.parametrize(
    "target", [FORM, MULTIPART_FORM, API], ids=["form", "multipart-form", "api"]
)
@pytest.mark.parametrize(("server_body", "body"), MALFORMED_BODIES)
def test_a_malformed_chunked_body_is_a_400(app, writer, app_log_records, server_body, target, body):
    head = "Transfer-Encoding: chunked\r\n"
    stream = server_body(target[0], target[1], head, body)
    response = post_stream(writer, target, stream)
    assert_bad_request(response, target, app_log_records)
    assert tasks_stored(app) == []


@pytest.mark.parametrize("target", [FORM, API], ids=["form", "api"])
@pytest.mark.parametrize("sent", [b"", b"title=", b"title=a title cut sh"])
def test_a_body_shorter_than_its_content_length_is_a_400(
    app, writer, app_log_records, target, sent
):
    # gunicorn ends the stream where the client stopped, without an error: the app must
    # not take what came for the whole body.
    declared = len(b"title=a title cut short")
    stream = gunicorn_body(target[0], target[1], f"Content-Length: {declared}\r\n", sent)
    response = post_stream(writer, target, stream, declared)
    assert_bad_request(response, target, app_log_records)
    # The development server does not say it ends the stream: Werkzeug counts too.
    stream = io.BytesIO(sent)
    response = post_stream(writer, target, stream, declared, input_terminated=False)
    assert_bad_request(response, target, app_log_records)
    assert tasks_stored(app) == []


@pytest.mark.parametrize("error", [ConnectionResetError(104, "reset"), TimeoutError("timed out")])
@pytest.mark.parametrize("target", [FORM, API], ids=["form", "api"])
def test_a_connection_failing_while_the_body_is_read_is_a_400(
    writer, app_log_records, target, error
):
    response = post_stream(writer, target, FailingSocket(error))
    assert_bad_request(response, target, app_log_records)


def test_only_the_failures_of_reading_are_a_400(writer):
    # Anything else the stream raises is a fault in the code: a 500, with its traceback
    # (the test app lets it through to the test).
    with pytest.raises(RuntimeError, match="not a body error"):
        post_stream(writer, FORM, FailingSocket(RuntimeError("not a body error")))


@pytest.mark.parametrize("server_body", [gunicorn_body, development_server_body])
def test_a_well_formed_chunked_body_is_read(app, writer, server_body):
    head = "Transfer-Encoding: chunked\r\n"
    form = server_body(*FORM[:2], head, WELL_FORMED_CHUNKED)
    response = post_stream(writer, FORM, form)
    assert response.status_code == 302
    json_body = b'10\r\n{"title": "json"\r\n1\r\n}\r\n0\r\n\r\n'
    api = server_body(*API[:2], head, json_body)
    response = post_stream(writer, API, api)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert sorted(task.title for task in tasks_stored(app)) == ["json", "x"]


def test_a_body_of_its_content_length_is_read(app, writer):
    body = b"title=complete"
    head = f"Content-Length: {len(body)}\r\n"
    stream = gunicorn_body(*FORM[:2], head, body + b"GET / HTTP/1.1\r\n\r\n")
    response = post_stream(writer, FORM, stream, len(body))
    assert response.status_code == 302
    assert [task.title for task in tasks_stored(app)] == ["complete"]
