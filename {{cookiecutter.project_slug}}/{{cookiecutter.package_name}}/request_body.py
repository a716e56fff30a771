"""A request body the server cannot read is the client's error: a 400, never a 500.

The server hands the app the body as a stream (`wsgi.input`), and its reads fail when
the client sent a body the server cannot decode, or that ends too soon:

- gunicorn (every worker class: sync, gthread, gevent) raises one of its ParseException
  errors for a malformed chunked body: InvalidChunkSize (also a size line that does not
  end in CRLF within 8 KiB), ChunkMissingTerminator (data beyond the chunk's size, a
  bare LF after it), InvalidChunkExtension, and InvalidHeader or LimitRequestHeaders for
  the trailers; NoMoreData, an OSError, when the body ends inside a chunk or before the
  last one (or a bare LF left the size line without its end). A body that ends before its
  Content-Length is no error to gunicorn: the app would get it cut short.
- Werkzeug's development server raises OSError for a malformed chunked body.
- A socket that fails while the body is read raises an OSError (reset, timed out).

Werkzeug's own stream wrapper turns an OSError or ValueError into a 400, but not
gunicorn's ParseException: that was a 500, its traceback logged and mailed. ReadableBody
wraps the stream of every request that has a body so that each of these becomes a
BadRequest, which the app's error handler answers with the negotiated 400 page, and
nothing is logged. Anything else a read raises is still a 500.
"""

import io
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from werkzeug.exceptions import BadRequest
from werkzeug.wsgi import get_content_length

UNREADABLE = "The request body could not be read: it is malformed or was cut off."
CUT_SHORT = "The request body could not be read: it ended before its Content-Length."

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@cache
def server_parse_errors() -> tuple[type[Exception], ...]:
    """gunicorn's errors for a request it cannot parse; none where gunicorn cannot be
    imported (it runs on Unix only), since it cannot be the server there either."""
    try:
        from gunicorn.http.errors import ParseException
    except ImportError:
        return ()
    return (ParseException,)


class ServerBody(io.RawIOBase):
    """The server's body stream, read to its Content-Length at most; a read that fails,
    or that ends the body before its Content-Length, raises BadRequest."""

    def __init__(self, stream: Any, content_length: int | None) -> None:
        super().__init__()
        self.stream = stream
        self.missing = content_length  # bytes still to come; None: until the server ends it

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        size = len(buffer) if self.missing is None else min(len(buffer), self.missing)
        if size == 0:
            return 0
        try:
            data = self.stream.read(size)
        # Evaluated only when a read fails: gunicorn is imported for the failures alone.
        except (OSError, ValueError, *server_parse_errors()) as error:
            raise BadRequest(UNREADABLE) from error
        if self.missing is not None:
            if not data:
                raise BadRequest(CUT_SHORT)
            self.missing -= len(data)
        buffer[: len(data)] = data
        return len(data)


class ReadableBody:
    """WSGI middleware: the body of a request that sends one, as a ServerBody."""

    def __init__(self, wsgi_app: WSGIApp) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]):
        if environ.get("CONTENT_LENGTH") or "HTTP_TRANSFER_ENCODING" in environ:
            environ["wsgi.input"] = ServerBody(environ["wsgi.input"], get_content_length(environ))
        return self.wsgi_app(environ, start_response)
