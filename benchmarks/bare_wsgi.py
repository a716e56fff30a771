"""The floor: a bare WSGI callable returning a fixed HTML page, no framework at all."""

BODY = b"<!doctype html><title>bare</title><p>Hello</p>"
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
