import pytest

from {{ cookiecutter.package_name }}.log_handlers import stop_listeners
from {{ cookiecutter.package_name }}.logging_config import build_logging_config
from {{ cookiecutter.package_name }}.settings import load_settings
from tests.servers import SMTPServer, WebhookServer, free_port, wait_for


@pytest.fixture
def failing_app(make_app):
    def build(**overrides):
        app = make_app(PROPAGATE_EXCEPTIONS=False, **overrides)

        @app.get("/fail")
        def fail():
            raise RuntimeError("the example failure")

        return app

    yield build
    stop_listeners()


def test_console_only_by_default():
    config = build_logging_config(load_settings({}))
    assert list(config["handlers"]) == ["console"]
    assert config["root"]["handlers"] == ["console"]


def test_each_destination_is_enabled_by_its_variable(tmp_path):
    settings = load_settings(
        {
            "LOG_DIR": str(tmp_path),
            "MAIL_SERVER": "127.0.0.1",
            "ADMINS": "ops@example.com",
            "SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook",
        }
    )
    config = build_logging_config(settings)
    assert set(config["handlers"]) == {"console", "app_file", "error_file", "mail", "slack"}
    assert config["handlers"]["mail"]["toaddrs"] == ["ops@example.com"]


def test_rotating_files_split_all_records_and_errors(failing_app, tmp_path):
    app = failing_app(LOG_DIR=str(tmp_path))
    app.logger.info("an ordinary event")
    app.test_client().get("/fail")
    app_log = (tmp_path / "app.log").read_text()
    errors_log = (tmp_path / "errors.log").read_text()
    assert "an ordinary event" in app_log
    assert "an ordinary event" not in errors_log
    assert "RuntimeError: the example failure" in errors_log
    assert "GET http://localhost/fail" in errors_log


def test_errors_are_mailed_to_admins(failing_app):
    with SMTPServer() as smtp:
        app = failing_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, ADMINS=["ops@example.com"])
        assert app.test_client().get("/fail").status_code == 500
        assert wait_for(lambda: smtp.messages), "no mail arrived"
    message = smtp.messages[0]
    assert message.rcpt_tos == ["ops@example.com"]
    content = message.content.decode()
    assert "application error" in content
    assert "RuntimeError: the example failure" in content


def test_unreachable_mail_server_does_not_break_the_request(failing_app, capfd):
    app = failing_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), ADMINS=["ops@example.com"])
    assert app.test_client().get("/fail").status_code == 500
    assert app.test_client().get("/status").status_code == 200
    stop_listeners()
    assert "QuietSMTPHandler could not deliver a record" in capfd.readouterr().err


def test_errors_are_posted_to_slack(failing_app):
    with WebhookServer() as hook:
        app = failing_app(SLACK_WEBHOOK_URL=hook.url + "/services/T/B/X")
        app.test_client().get("/fail")
        assert wait_for(lambda: hook.bodies), "no webhook call arrived"
    assert hook.bodies[0][0] == "/services/T/B/X"
    assert "RuntimeError: the example failure" in hook.json_bodies()[0]["text"]


def test_failing_webhook_does_not_break_the_request(failing_app, capfd):
    with WebhookServer(status=500) as hook:
        app = failing_app(SLACK_WEBHOOK_URL=hook.url)
        assert app.test_client().get("/fail").status_code == 500
        assert wait_for(lambda: hook.bodies)
        stop_listeners()
    assert "SlackWebhookHandler could not deliver a record" in capfd.readouterr().err
