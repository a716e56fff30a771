import gzip

import sentry_sdk

from {{ cookiecutter.package_name }} import sentry
from tests.servers import WebhookServer, wait_for


def decoded(body):
    return gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body


def test_errors_reach_sentry_when_a_dsn_is_set(make_app):
    with WebhookServer() as sentry_server:
        dsn = sentry_server.url.replace("http://", "http://public@") + "/42"
        app = make_app(SENTRY_DSN=dsn, PROPAGATE_EXCEPTIONS=False)

        @app.get("/fail")
        def fail():
            raise RuntimeError("reported to sentry")

        try:
            assert app.test_client().get("/fail").status_code == 500
            sentry_sdk.flush(timeout=5)
            assert wait_for(lambda: sentry_server.bodies), "Sentry received nothing"
        finally:
            sentry_sdk.init()  # stop reporting before the fake server goes away
    paths = [path for path, _ in sentry_server.bodies]
    assert any(path.startswith("/api/42/envelope/") for path in paths)
    assert any(b"reported to sentry" in decoded(body) for _, body in sentry_server.bodies)


def test_sentry_stays_off_without_a_dsn(make_app, monkeypatch):
    calls = []
    monkeypatch.setattr(sentry, "init_sentry", calls.append)
    make_app(SENTRY_DSN="")
    make_app(SENTRY_DSN="http://public@127.0.0.1:9/1")
    assert len(calls) == 1
