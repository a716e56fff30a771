"""Bake the default project and run gunicorn servers (and nginx in front of the bake's) on
loopback, always stopped after use."""

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
BENCHMARKS_DIR = Path(__file__).resolve().parent
START_TIMEOUT = 60
STOP_TIMEOUT = 30
# The template suite's runner of the bake's generated nginx configuration (standard library).
NGINX_HELPERS_PATH = TEMPLATE_DIR / "tests" / "nginx_proxy.py"


@dataclass(frozen=True)
class Bake:
    project: Path
    package: str
    env: dict


@dataclass(frozen=True)
class Server:
    name: str
    process: subprocess.Popen
    port: int

    @property
    def master_pid(self):
        return self.process.pid


def without_bytecode_switch(environ):
    """A deployed app reads its bytecode caches: don't let PYTHONDONTWRITEBYTECODE, set
    in some shells and CI, make every start compile the bake's modules again."""
    return {name: value for name, value in environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def production_env(workdir):
    return {
        **without_bytecode_switch(os.environ),
        "APP_ENV": "production",
        "SECRET_KEY": "benchmark-secret-not-for-production",
        "TRUSTED_HOSTS": "127.0.0.1",
        "BASE_URL": "http://127.0.0.1",
        "ADMINS": "ops@example.org",
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite",
        "LOG_LEVEL": "WARNING",
        # The one-route app has no access log either: compare the apps, not the logging.
        "GUNICORN_ACCESS_LOG": "false",
        # The bake's .env is for development: production refuses a flask command that read it.
        "FLASK_SKIP_DOTENV": "1",
    }


@contextlib.contextmanager
def stdout_silenced():
    """Silences this process's stdout at the descriptor, so the hooks' children's too."""
    sys.stdout.flush()
    saved = os.dup(1)
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), 1)
    try:
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def bake_default_project(workdir):
    """The default bake with its database migrated, ready to serve in production."""
    # The post-generation hook prints next steps for a person: not part of the figures.
    with stdout_silenced():
        project = Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=str(workdir)))
    bake = Bake(project, project.name.replace("-", "_"), production_env(workdir))
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", bake.package, "db", "upgrade"],
        cwd=project,
        env=bake.env,
        check=True,
        capture_output=True,
    )
    return bake


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_command(app_spec, port, workers):
    # Explicit --workers: the simple-cache bake's gunicorn.conf.py defaults to one.
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        app_spec,
    ]


def answers(port):
    """True once anything answers HTTP on the port (even an error page: it has started)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def log_tail(log_path, lines=20):
    text = Path(log_path).read_text(errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(gunicorn wrote nothing)"


def wait_until_up(server, log_path):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(
                f"{server.name}: gunicorn exited with status {server.process.returncode}"
                f" before answering:\n{log_tail(log_path)}"
            )
        if answers(server.port):
            return
        time.sleep(0.2)
    raise SystemExit(
        f"{server.name}: gunicorn did not answer on port {server.port} within "
        f"{START_TIMEOUT} s:\n{log_tail(log_path)}"
    )


def stop(process):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def gunicorn(name, app_spec, cwd, env, workers, log_dir):
    """A running gunicorn master; SIGTERM (then SIGKILL) on the way out, whatever happened."""
    port = free_port()
    log_path = Path(log_dir) / f"{name.replace(' ', '-')}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            gunicorn_command(app_spec, port, workers),
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        server = Server(name, process, port)
        wait_until_up(server, log_path)
        yield server
    finally:
        stop(process)


def nginx_helpers():
    spec = importlib.util.spec_from_file_location("forge_nginx_proxy", NGINX_HELPERS_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def nginx_in_front(bake, upstream_port, workers, log_dir):
    """The bake's nginx/templates/default.conf.template in front of its gunicorn, as
    compose.production.yaml runs it, with as many worker processes as gunicorn has and no
    access log (like the gunicorns here); yields its port, or None when nginx is not
    installed (.ci/benchmark-tools.sh installs it)."""
    helpers = nginx_helpers()
    binary = helpers.nginx_binary()
    if binary is None:
        yield None
        return
    port = free_port()
    # One per repeat: nginx's files of the repeat before are still there.
    workdir = Path(tempfile.mkdtemp(prefix="nginx-", dir=log_dir))
    upstream = f"127.0.0.1:{upstream_port}"
    options = {"worker_processes": workers, "access_log": False}
    try:
        with helpers.running_nginx(binary, bake.project, workdir, port, upstream, **options):
            yield port
    except RuntimeError as error:
        raise SystemExit(f"nginx: {error}") from None
