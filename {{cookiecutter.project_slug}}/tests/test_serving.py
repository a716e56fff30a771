"""The documented ways to run the app, as real processes."""

import http.client
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port, wait_for

PROJECT_DIR = Path(__file__).resolve().parents[1]
PACKAGE = "{{ cookiecutter.package_name }}"


def process_env(tmp_path, **extra):
    env = {
        # A FLASK_DEBUG left in the shell would make production refuse to start.
        **{name: value for name, value in os.environ.items() if name != "FLASK_DEBUG"},
        "APP_ENV": "production",
        "SECRET_KEY": "a-production-secret-for-this-test",
        "TRUSTED_HOSTS": "127.0.0.1",
        "BASE_URL": "http://127.0.0.1",
        "DATABASE_URL": f"sqlite:///{tmp_path}/served.sqlite",
        "CACHE_DEFAULT_TIMEOUT": "60",
        # The flask command would read the project's .env, which production refuses.
        "FLASK_SKIP_DOTENV": "1",
    }
    env.update(extra)
    return env


def flask_command(tmp_path, *args):
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", PACKAGE, *args],
        cwd=PROJECT_DIR,
        env=process_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_migrations_seed_and_export_from_the_command_line(tmp_path):
    upgrade = flask_command(tmp_path, "db", "upgrade")
    assert upgrade.returncode == 0, upgrade.stderr
    seed = flask_command(tmp_path, "seed", "--count", "4")
    assert seed.returncode == 0, seed.stderr
    assert "Added 4 demo tasks" in seed.stdout


def fetch(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    except OSError:
        return None
    finally:
        connection.close()


def test_gunicorn_serves_the_app_factory(tmp_path):
    assert flask_command(tmp_path, "db", "upgrade").returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            f"{PACKAGE}:create_app()",
        ],
        cwd=PROJECT_DIR,
        env=process_env(tmp_path),
    )
    try:
        answer = wait_for(lambda: fetch(port, "/status"), timeout=30)
        assert answer is not None, "gunicorn did not answer"
        status, body = answer
        assert status == 200
        assert b'"database":"ok"' in body.replace(b" ", b"").replace(b"\n", b"")
        assert fetch(port, "/")[0] == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_wsgi_module_exposes_app(monkeypatch, tmp_path):
    for name, value in process_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    import wsgi

    assert wsgi.app.name == PACKAGE


@pytest.mark.parametrize(
    ("dotenv", "extra", "args", "refusal"),
    [
        # .env says FLASK_DEBUG=1, and the flask command reads .env before the app starts.
        ("FLASK_DEBUG=1\n", {}, [], "FLASK_SKIP_DOTENV=1"),
        ("", {"FLASK_DEBUG": "1", "FLASK_SKIP_DOTENV": "1"}, [], "FLASK_DEBUG must not be on"),
        ("", {"FLASK_SKIP_DOTENV": "1"}, ["--debug"], "FLASK_DEBUG must not be on"),
    ],
)
def test_flask_run_in_production_never_starts_the_debugger(tmp_path, dotenv, extra, args, refusal):
    (tmp_path / ".env").write_text(dotenv)
    env = process_env(tmp_path, PYTHONPATH=str(PROJECT_DIR), **extra)
    if "FLASK_SKIP_DOTENV" not in extra:
        del env["FLASK_SKIP_DOTENV"]
    command = [sys.executable, "-m", "flask", "--app", PACKAGE, *args, "run"]
    run = subprocess.run(
        [*command, "--port", str(free_port())],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode != 0
    assert refusal in run.stderr
    assert "Debugger is active" not in run.stdout + run.stderr
