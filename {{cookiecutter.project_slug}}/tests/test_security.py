"""Security headers, trusted hosts and redirect targets."""

import pytest

from {{ cookiecutter.package_name }}.security import is_safe_redirect_target


@pytest.mark.parametrize("path", ["/", "/status", "/no-such-page", "/api/v1/tasks"])
def test_every_response_carries_the_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # HTTPS only in production


def test_hsts_when_configured(make_app):
    response = make_app(HSTS_MAX_AGE=31536000).test_client().get("/")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_response_keeps_the_headers_its_view_chose(make_app):
    app = make_app()

    @app.get("/framed")
    def framed():
        # Any spelling of a name counts: the defaults are not added beside it.
        return "ok", {"x-frame-options": "SAMEORIGIN", "Cache-Control": "no-cache"}

    headers = app.test_client().get("/framed").headers
    assert headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert headers.getlist("Cache-Control") == ["no-cache"]
    assert headers["X-Content-Type-Options"] == "nosniff"  # the others are still added


def test_untrusted_host_is_refused(make_app):
    client = make_app(TRUSTED_HOSTS=["app.example.org"]).test_client()
    assert client.get("/", headers={"Host": "app.example.org"}).status_code == 200
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize("target", ["/", "/tasks/", "/tasks/?page=2&sort=new", "/a%20b"])
def test_local_paths_are_safe_redirect_targets(target):
    assert is_safe_redirect_target(target)


# Also the `next` values the login tests try (tests/accounts/test_login.py).
REFUSED_TARGETS = [
    None,
    "",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%252F%252Fevil.example",
    "%2Fjavascript:alert(1)",
    "evil.example",
]


@pytest.mark.parametrize("target", REFUSED_TARGETS)
def test_other_hosts_schemes_and_encodings_are_refused(target):
    assert not is_safe_redirect_target(target)
