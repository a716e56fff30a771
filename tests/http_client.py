"""Requests to a served bake as a browser sends them: one connection each, cookies and
forms by hand, so a test sees exactly what crosses the wire."""

import http.client
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

HOST = "127.0.0.1"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def cookies(self):
        """The cookies this answer sets (a value of None: deleted)."""
        found = {}
        for header in self.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                gone = not morsel.value or morsel["max-age"] == "0" or "1970" in morsel["expires"]
                found[name] = None if gone else morsel.value
        return found


def request(port, method, path, cookies=None, form=None, source=None, timeout=10, headers=None, host=None):
    """One request on a new connection to HOST:port, from the address `source` when given,
    with the Host header `host` when given; connection errors are raised to the caller."""
    connection = http.client.HTTPConnection(
        HOST, port, timeout=timeout, source_address=(source, 0) if source else None
    )
    sent = dict(headers or {})
    if host:
        sent["Host"] = host
    if cookies:
        sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    body = None
    if form is not None:
        body = urlencode(form)
        sent["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        connection.close()


def csrf_token(page):
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert found, "no csrf_token field in the page"
    return found.group(1)
