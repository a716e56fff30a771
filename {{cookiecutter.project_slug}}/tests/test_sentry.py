import sentry_sdk

from tests.servers import WebhookServer, wait_for


def test_errors_reach_sentry_when_a_dsn_is_set(make_app):
    with WebhookServer() as sentry_server:
        dsn = sentry_server.url.replace("http://", "http://public@") + "/42"
        app = make_app(SENTRY_DSN=dsn, PROPAGATE_EXCEPTIONS=False)

        @app.get("/fail")
        def fail():
            raise RuntimeError("reported to sentry")

        assert app.test_client().get("/fail").status_code == 500
        sentry_sdk.flush(timeout=5)
        assert wait_for(lambda: sentry_server.bodies), "Sentry received nothing"
    paths = [path for path, _ in sentry_server.bodies]
    assert any(path.startswith("/api/42/envelope/") for path in paths)
    assert any(b"reported to sentry" in body for _, body in sentry_server.bodies)
    sentry_sdk.init()  # switch reporting off for the other tests


def test_no_dsn_no_sentry(make_app):
    sentry_sdk.init()
    make_app()
    assert sentry_sdk.get_client().is_active() is False
