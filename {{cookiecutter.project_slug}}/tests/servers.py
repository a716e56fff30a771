"""Real local servers for the tests: SMTP (aiosmtpd), a webhook receiver, and a silent
server that takes connections and never answers."""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout=10.0, interval=0.01):
    """Poll until condition() is truthy; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


class MailRecorder:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


class SMTPServer:
    """An aiosmtpd server on a free loopback port, recording what it receives."""

    def __init__(self):
        self.recorder = MailRecorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.recorder.messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class WebhookServer:
    """An HTTP server that records the JSON bodies POSTed to it."""

    def __init__(self, status=200):
        self.bodies = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers["Content-Length"])
                bodies.append((self.path, self.rfile.read(length)))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"

    def json_bodies(self):
        return [json.loads(body) for _, body in self.bodies]

    def __enter__(self):
        # shutdown() waits for the loop to look at its flag, every poll_interval (0.5 s
        # by default): once per test that uses the server.
        threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class SilentServer:
    """A port that takes TCP connections and never sends a byte: a database server that
    hangs. The kernel completes the connections in the listen backlog; nothing reads
    them, so no thread is needed."""

    def __init__(self, backlog=64):
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=backlog)
        self.port = self.sock.getsockname()[1]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()
