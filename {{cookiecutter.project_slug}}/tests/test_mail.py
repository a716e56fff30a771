"""E-mail delivery: never blocking or breaking a request, logged when it fails."""

from pathlib import Path

from .account_helpers import flashes, register
from .servers import free_port, wait_for


def test_refused_smtp_connection_keeps_the_registration_and_logs_why(make_app, tmp_path):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), LOG_DIR=str(tmp_path))
    client = app.test_client()
    response = register(client, "new@example.org")
    assert response.status_code == 302  # the account exists; the mail is late
    page = client.get("/auth/login").get_data(as_text=True)
    assert "may take a few minutes" in page
    log = Path(tmp_path, "errors.log")
    logged = wait_for(lambda: log.exists() and "new@example.org" in log.read_text())
    assert logged, "the failed delivery was not logged"
    line = next(line for line in log.read_text().splitlines() if "new@example.org" in line)
    assert "ConnectionRefusedError" in line


def test_without_mail_server_the_message_goes_to_the_log(make_app, tmp_path):
    app = make_app(MAIL_SERVER="", LOG_DIR=str(tmp_path))
    register(app.test_client(), "dev@example.org")
    log = Path(tmp_path, "app.log")
    assert wait_for(lambda: "E-mail not sent" in log.read_text()), "nothing was logged"
    text = log.read_text()
    assert "E-mail not sent (MAIL_SERVER is not set), to dev@example.org" in text
    assert app.config["BASE_URL"] + "/auth/confirm/" in text


def test_without_base_url_links_keep_the_user_on_their_host(make_app, tmp_path):
    # Development: `flask run` prints http://127.0.0.1:5000, and the confirmation link
    # must bring the user back there (on another host they would not be logged in).
    # The test client sends SERVER_NAME as its Host.
    app = make_app(BASE_URL="", MAIL_SERVER="", LOG_DIR=str(tmp_path), SERVER_NAME="127.0.0.1:5000")
    client = app.test_client()
    response = register(client, "dev@example.org")
    assert response.status_code == 302
    assert "MAIL_SERVER is not set" in " ".join(flashes(client.get("/auth/login")))
    log = Path(tmp_path, "app.log")
    assert wait_for(lambda: "E-mail not sent" in log.read_text()), "nothing was logged"
    assert "http://127.0.0.1:5000/auth/confirm/" in log.read_text()


def test_a_silent_smtp_server_times_out(make_app, tmp_path):
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        app = make_app(
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=silent.getsockname()[1],
            MAIL_TIMEOUT=0.1,
            LOG_DIR=str(tmp_path),
        )
        response = register(app.test_client(), "late@example.org")
        assert response.status_code == 302
        log = Path(tmp_path, "errors.log")
        assert wait_for(lambda: log.exists() and "timed out" in log.read_text(), timeout=10)
