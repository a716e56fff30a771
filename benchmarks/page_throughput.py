"""Requests per second of a baked project's pages against a one-route Flask app.

Bakes the default project, serves it and a minimal Flask app with gunicorn (same
worker count) on loopback, and loads each with keep-alive clients for a fixed number
of requests. Prints the figures and the ratios to the minimal app; asserts nothing.

    python benchmarks/page_throughput.py [--requests 3000] [--clients 4] [--workers 2]
"""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
MINIMAL_APP = textwrap.dedent(
    """
    from flask import Flask

    app = Flask(__name__)


    @app.get("/")
    def index():
        return "<!doctype html><title>minimal</title><p>Hello</p>"
    """
)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(app_spec, cwd, env, workers):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            app_spec,
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/")
            connection.getresponse().read()
            return process, port
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"{app_spec} did not start")


def load(port, path, total, clients, headers=None):
    """Send `total` GET requests from `clients` keep-alive connections; return requests/s."""
    per_client = total // clients
    errors = []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for _ in range(per_client):
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{path}: {len(errors)} non-200 answers, first {errors[0]}")
    return per_client * clients / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        project = Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=workdir))
        package = project.name.replace("-", "_")
        (Path(workdir) / "minimal.py").write_text(MINIMAL_APP)
        env = {
            **os.environ,
            "APP_ENV": "production",
            "SECRET_KEY": "benchmark-secret-not-for-production",
            "TRUSTED_HOSTS": "127.0.0.1",
            "BASE_URL": "http://127.0.0.1",
            "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite",
            "LOG_LEVEL": "WARNING",
            # The one-route app has no access log either: compare the apps, not the logging.
            "GUNICORN_ACCESS_LOG": "false",
            # The bake's .env is for development: production refuses a flask command that read it.
            "FLASK_SKIP_DOTENV": "1",
        }
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", package, "db", "upgrade"],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
        servers = []
        try:
            baked, baked_port = serve(f"{package}:create_app()", project, env, args.workers)
            servers.append(baked)
            minimal, minimal_port = serve("minimal:app", workdir, env, args.workers)
            servers.append(minimal)
            warm = max(args.requests // 10, args.clients)
            for port, path in ((minimal_port, "/"), (baked_port, "/")):
                load(port, path, warm, args.clients)
            figures = {
                "minimal Flask app": load(minimal_port, "/", args.requests, args.clients),
                "cached home page": load(baked_port, "/", args.requests, args.clients),
                # A session cookie makes the home page bypass the cache: the uncached cost.
                "uncached home page": load(
                    baked_port, "/", args.requests, args.clients, headers={"Cookie": "session=x"}
                ),
            }
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=30)

    baseline = figures["minimal Flask app"]
    print(f"{args.requests} requests, {args.clients} clients, {args.workers} gunicorn workers each")
    for name, rate in figures.items():
        print(f"{name:>20}: {rate:8.0f} req/s   ratio to minimal {rate / baseline:5.2f}")


if __name__ == "__main__":
    main()
