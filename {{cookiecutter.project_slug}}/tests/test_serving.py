"""The documented ways to run the app, as real processes."""

import http.client
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
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
        "ADMINS": "ops@example.org",
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


# Starting early

# What start_early started, by name; each test takes its own, or runs it itself.
EARLY = {}


def start_early(items, directory):
    """Start the real processes of the selected tests of this module at once, beside the
    other tests: called by conftest.py when a run in one process has collected them.
    The tests check them when their turn comes, as if they had started them."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="test_serving")
    upgrade = EARLY["upgrade"] = pool.submit(migrate, new_directory(directory, "migrated"))

    def on_a_migrated_copy(work, target):
        _, database = upgrade.result()
        shutil.copyfile(database, target / "served.sqlite")
        return work(target)

    for item in items:
        name = item.name
        if name == "test_migrations_seed_and_export_from_the_command_line":
            EARLY["seed"] = pool.submit(on_a_migrated_copy, seed, new_directory(directory, name))
        elif name == "test_gunicorn_serves_the_app_factory":
            target = new_directory(directory, name)
            EARLY["gunicorn"] = pool.submit(on_a_migrated_copy, start_gunicorn, target)
        elif name.startswith("test_flask_run_in_production_never_starts_the_debugger["):
            arguments = {key: item.callspec.params[key] for key in ("dotenv", "extra", "args")}
            target = new_directory(directory, f"refusal-{len(EARLY)}")
            EARLY[name] = pool.submit(flask_run, target, **arguments)
    pool.shutdown(wait=False)
    return stop_early


def stop_early():
    """At the end of the run: what no test took (stopped early by -x, say) is stopped,
    and the stopped servers are waited for."""
    for name, future in EARLY.items():
        if future.exception() is None and name == "gunicorn":
            STOPPING.append(stop_gunicorn(future.result()))
    for server in STOPPING:
        server.wait(timeout=30)


def new_directory(parent, name):
    directory = parent / name
    directory.mkdir()
    return directory


def early_or_now(name, work):
    future = EARLY.pop(name, None)
    return work() if future is None else future.result()


# The tests


def migrate(directory):
    return flask_command(directory, "db", "upgrade"), directory / "served.sqlite"


@pytest.fixture(scope="module")
def migrated_by_the_command_line(tmp_path_factory):
    """`flask db upgrade` run once for the module; each test gets a copy of its database."""
    return early_or_now("upgrade", lambda: migrate(tmp_path_factory.mktemp("migrated")))


@pytest.fixture
def migrated(migrated_by_the_command_line, tmp_path):
    upgrade, database = migrated_by_the_command_line
    assert upgrade.returncode == 0, upgrade.stderr
    shutil.copyfile(database, tmp_path / "served.sqlite")


def seed(directory):
    return flask_command(directory, "seed", "--count", "4")


def test_migrations_seed_and_export_from_the_command_line(tmp_path, migrated):
    done = early_or_now("seed", lambda: seed(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Added 4 demo tasks" in done.stdout


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


def start_gunicorn(directory):
    port = free_port()
    log = directory / "gunicorn.log"
    # Its output goes to a file, also when it starts before the test captures output.
    with log.open("w") as output:
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
            env=process_env(directory),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    return server, port, log


def stop_gunicorn(started):
    server, _, _ = started
    if server.poll() is None:
        server.terminate()  # gunicorn takes most of a second to stop its workers
    return server


# The servers started early, stopped by their test and waited for by stop_early.
STOPPING = []


def test_gunicorn_serves_the_app_factory(tmp_path, migrated):
    started_early = "gunicorn" in EARLY
    started = early_or_now("gunicorn", lambda: start_gunicorn(tmp_path))
    _, port, log = started
    try:
        answer = wait_for(lambda: fetch(port, "/status"), timeout=30)
        assert answer is not None, "gunicorn did not answer:\n" + log.read_text()
        status, body = answer
        assert status == 200
        assert b'"database":"ok"' in body.replace(b" ", b"").replace(b"\n", b"")
        assert fetch(port, "/")[0] == 200
    finally:
        server = stop_gunicorn(started)
        if started_early:
            STOPPING.append(server)
        else:
            server.wait(timeout=30)


def test_wsgi_module_exposes_app(monkeypatch, tmp_path):
    for name, value in process_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    import wsgi

    assert wsgi.app.name == PACKAGE


def flask_run(directory, dotenv, extra, args):
    (directory / ".env").write_text(dotenv)
    env = process_env(directory, PYTHONPATH=str(PROJECT_DIR), **extra)
    if "FLASK_SKIP_DOTENV" not in extra:
        del env["FLASK_SKIP_DOTENV"]
    command = [sys.executable, "-m", "flask", "--app", PACKAGE, *args, "run"]
    return subprocess.run(
        [*command, "--port", str(free_port())],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("dotenv", "extra", "args", "refusal"),
    [
        # .env says FLASK_DEBUG=1, and the flask command reads .env before the app starts.
        ("FLASK_DEBUG=1\n", {}, [], "FLASK_SKIP_DOTENV=1"),
        ("", {"FLASK_DEBUG": "1", "FLASK_SKIP_DOTENV": "1"}, [], "FLASK_DEBUG must not be on"),
        ("", {"FLASK_SKIP_DOTENV": "1"}, ["--debug"], "FLASK_DEBUG must not be on"),
    ],
)
def test_flask_run_in_production_never_starts_the_debugger(
    request, tmp_path, dotenv, extra, args, refusal
):
    run = early_or_now(request.node.name, lambda: flask_run(tmp_path, dotenv, extra, args))
    assert run.returncode != 0
    assert refusal in run.stderr
    assert "Debugger is active" not in run.stdout + run.stderr
