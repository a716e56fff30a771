import logging
import sys

import pytest

from {{ cookiecutter.package_name }}.logs import (
    LIBRARY_LOGGERS,
    build_logging_config,
)
from {{ cookiecutter.package_name }}.logs.handlers import (
    ErrorReportFormatter,
    ErrorReportThrottle,
    stop_listeners,
)
from {{ cookiecutter.package_name }}.settings import load_settings
from tests.clocks import FakeClock
from tests.servers import SMTPServer, WebhookServer, free_port, wait_for

INTERVAL = 300
HELD_BACK_19 = "(19 more like this since the last report were not sent)"


@pytest.fixture
def failing_app(make_app):
    def build(**overrides):
        app = make_app(PROPAGATE_EXCEPTIONS=False, **overrides)

        @app.get("/fail")
        def fail():
            raise RuntimeError("the example failure")

        @app.get("/fail-otherwise")
        def fail_otherwise():
            raise KeyError("another failure")

        @app.get("/items/<int:number>")
        def item(number):
            raise LookupError(f"no item {number}")

        return app

    yield build
    stop_listeners()


def fake_report_clock():
    """Give the throttles of the configured mail and Slack handlers one fake clock."""
    clock = FakeClock()
    throttles = [
        log_filter
        for handler in logging.getLogger().handlers
        for log_filter in handler.filters
        if isinstance(log_filter, ErrorReportThrottle)
    ]
    assert throttles, "no error report throttle is configured"
    for throttle in throttles:
        throttle.clock = clock
    return clock


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
    # Only the handlers that interrupt people are throttled, each by its own filter.
    assert config["handlers"]["mail"]["filters"] == ["mail_throttle", "request"]
    assert config["handlers"]["slack"]["filters"] == ["slack_throttle", "request"]
    assert config["handlers"]["error_file"]["filters"] == ["request"]
    assert config["filters"]["mail_throttle"]["interval"] == INTERVAL


def test_an_interval_of_zero_reports_every_error():
    settings = load_settings(
        {"MAIL_SERVER": "127.0.0.1", "ADMINS": "ops@example.com", "ERROR_REPORT_INTERVAL": "0"}
    )
    config = build_logging_config(settings)
    assert config["handlers"]["mail"]["filters"] == ["request"]
    assert set(config["filters"]) == {"request"}


@pytest.mark.parametrize(
    ("log_level", "library_level"),
    [("DEBUG", "DEBUG"), ("INFO", "WARNING"), ("WARNING", "WARNING"), ("ERROR", "ERROR")],
)
def test_library_loggers_stay_at_warning_unless_debugging(log_level, library_level):
    config = build_logging_config(load_settings({"LOG_LEVEL": log_level}))
    for name in ("alembic", "sqlalchemy", "flask_migrate", "flask-limiter", "limits", "urllib3"):
        assert config["loggers"][name]["level"] == library_level
    # Werkzeug's request lines at INFO are what `flask run` shows.
    assert "werkzeug" not in config["loggers"]


def test_library_loggers_are_quiet_in_a_configured_app(make_app):
    make_app(LOG_LEVEL="INFO")
    for name in LIBRARY_LOGGERS:
        assert not logging.getLogger(f"{name}.some_module").isEnabledFor(logging.INFO)
    assert logging.getLogger("alembic.autogenerate.compare").isEnabledFor(logging.INFO)
    assert logging.getLogger("werkzeug").isEnabledFor(logging.INFO)


@pytest.mark.parametrize(("log_level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_db_upgrade_logs_alembic_info_only_when_debugging(
    capfd, make_app, tmp_path, log_level, shown
):
    database = tmp_path / "upgrade.sqlite"
    app = make_app(
        create_tables=False, SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}", LOG_LEVEL=log_level
    )
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    err = capfd.readouterr().err
    assert ("INFO alembic.runtime.migration: Running upgrade" in err) is shown
    assert ("INFO alembic" in err) is shown


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


def test_a_burst_of_one_error_is_mailed_once(capfd, failing_app, mailbox, tmp_path):
    app = failing_app(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        ADMINS=["ops@example.com"],
        LOG_DIR=str(tmp_path),
    )
    clock = fake_report_clock()
    client = app.test_client()
    for _ in range(20):
        assert client.get("/fail").status_code == 500
    assert client.get("/fail-otherwise").status_code == 500

    def reports():
        # Only the app's: other threads of this test process (the SMTP test server's
        # event loop) may log errors of their own meanwhile.
        texts = [message.content.decode() for message in mailbox.messages]
        return [text for text in texts if f" {app.name} [" in text]

    # One delivery thread, in order: once the second error's mail is in, so is the first.
    assert wait_for(lambda: len(reports()) >= 2), "no mail arrived"
    assert len(reports()) == 2
    first, other = reports()
    assert "RuntimeError: the example failure" in first
    assert "more like this" not in first
    assert "KeyError: 'another failure'" in other

    clock.advance(INTERVAL - 1)
    client.get("/fail")
    clock.advance(1)
    client.get("/fail")
    stop_listeners()  # delivers what is queued
    assert len(reports()) == 3
    held_back = "(20 more like this since the last report were not sent)"
    assert held_back in reports()[2]
    # The console and the files keep every record.
    assert capfd.readouterr().err.count("RuntimeError: the example failure") == 22
    assert (tmp_path / "errors.log").read_text().count("RuntimeError: the example failure") == 22
    assert (tmp_path / "app.log").read_text().count("Exception on /fail [GET]") == 22


def test_slack_gets_one_post_per_error_and_route(failing_app):
    with WebhookServer() as hook:
        app = failing_app(SLACK_WEBHOOK_URL=hook.url)
        clock = fake_report_clock()
        client = app.test_client()
        # Flask writes the path into its message: still one error for the one route.
        for number in range(20):
            assert client.get(f"/items/{number}").status_code == 500
        client.get("/fail")

        def reports():
            # Only the app's: other threads of this test process (the SMTP test server's
            # event loop) may log errors of their own meanwhile.
            own = f" {app.name} ["
            return [body["text"] for body in hook.json_bodies() if own in body["text"]]

        assert wait_for(lambda: len(reports()) >= 2), "no webhook call arrived"
        assert len(reports()) == 2
        clock.advance(INTERVAL)
        client.get("/items/99")
        stop_listeners()
    texts = reports()
    assert len(texts) == 3
    assert "LookupError: no item 0" in texts[0]
    assert "RuntimeError: the example failure" in texts[1]
    assert texts[2].startswith(HELD_BACK_19)
    assert "LookupError: no item 99" in texts[2]


def raise_value_error():
    raise ValueError("a bad row")


def raise_value_error_elsewhere():
    raise ValueError("a bad row")


def raise_key_error():
    raise KeyError("a missing column")


def error_record(message="Import of %s failed", args=("a.csv",), name="app.imports", raiser=None):
    exc_info = None
    if raiser is not None:
        try:
            raiser()
        except Exception:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args, exc_info)


def test_throttle_passes_each_distinct_error_once_per_interval():
    throttle = ErrorReportThrottle(INTERVAL, clock=FakeClock())
    passed = [
        throttle.filter(error_record(args=(f"file-{number}.csv",), raiser=raise_value_error))
        for number in range(20)
    ]
    assert passed == [True] + [False] * 19
    distinct = [
        error_record(raiser=raise_value_error_elsewhere),  # same type, raised elsewhere
        error_record(raiser=raise_key_error),  # another type
        error_record(message="Export of %s failed", raiser=raise_value_error),
        error_record(name="app.exports", raiser=raise_value_error),
        error_record(),  # no exception
    ]
    assert [throttle.filter(record) for record in distinct] == [True] * 5
    assert [throttle.filter(record) for record in distinct] == [False] * 5


def test_throttle_counts_what_it_held_back_until_the_next_report():
    clock = FakeClock()
    throttle = ErrorReportThrottle(INTERVAL, clock=clock)
    assert throttle.filter(error_record())
    for _ in range(12):
        clock.advance(10)
        assert not throttle.filter(error_record())
    clock.advance(INTERVAL - 120)  # the interval counts from the last report
    record = error_record()
    assert throttle.filter(record)
    assert record.reports_held_back == 12
    text = ErrorReportFormatter("%(message)s").format(record)
    assert text == "(12 more like this since the last report were not sent)\nImport of a.csv failed"
    assert not throttle.filter(error_record())
    clock.advance(INTERVAL)
    record = error_record()
    assert throttle.filter(record)
    text = ErrorReportFormatter("%(message)s").format(record)
    assert text.startswith("(1 more like this since the last report was not sent)")


def test_a_report_without_held_back_errors_has_no_count():
    record = error_record()
    assert ErrorReportThrottle(INTERVAL, clock=FakeClock()).filter(record)
    assert ErrorReportFormatter("%(message)s").format(record) == "Import of a.csv failed"


def test_throttle_memory_is_bounded():
    clock = FakeClock()
    throttle = ErrorReportThrottle(INTERVAL, clock=clock, max_errors=10)
    for number in range(100):
        throttle.filter(error_record(message=f"error {number}"))
    assert len(throttle.errors) == 10
    # Past their interval, errors with nothing held back are forgotten.
    clock.advance(INTERVAL)
    throttle.filter(error_record(message="a new error"))
    assert len(throttle.errors) == 1


def test_a_held_back_count_outlives_the_interval():
    clock = FakeClock()
    throttle = ErrorReportThrottle(INTERVAL, clock=clock)
    throttle.filter(error_record())
    throttle.filter(error_record())  # held back
    clock.advance(10 * INTERVAL)
    throttle.filter(error_record(message="another error"))  # sweeps the table
    record = error_record()
    assert throttle.filter(record)
    assert record.reports_held_back == 1
