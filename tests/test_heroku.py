"""The Procfile run as Heroku runs it: `release`, then `web` on $PORT, under honcho.

The config vars are what Heroku would set: app.json's values, its generated secret,
the required ones filled in, and the add-ons' URLs in the forms the add-ons use
(`postgres://` for Heroku Postgres, MEMCACHIER_* for MemCachier).
"""

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from . import services
from .baked import MATRIX, SERVER_TIMEOUT, generated_suite_env, matrix_params, run_checked, tail
from .template import defaults
from .throwaway_servers import free_port

HEROKU_ROW = {
    **{option: defaults()[option] for option in MATRIX[0]},
    "cache_backend": "memcached",
    "database": "postgresql",
    "use_heroku": True,
}
HONCHO = Path(sys.executable).with_name("honcho")


def config_vars(app_json, port, database_url):
    """Heroku's config vars for a new app made from app.json, served on 127.0.0.1:port."""
    values = {}
    for name, spec in app_json["env"].items():
        if "value" in spec:
            values[name] = spec["value"]
        elif spec.get("generator") == "secret":
            values[name] = secrets.token_hex(32)
    required = {
        "TRUSTED_HOSTS": "127.0.0.1",
        "BASE_URL": f"http://127.0.0.1:{port}",
        "ADMINS": "ops@example.org",
    }
    assert {name for name, spec in app_json["env"].items() if spec.get("required")} == set(required)
    return {
        **values,
        **required,
        "DATABASE_URL": database_url.replace("postgresql://", "postgres://", 1),
        "MEMCACHIER_SERVERS": services.MEMCACHED_SERVERS,
    }


def honcho(env_file, *arguments):
    return [str(HONCHO), "-f", "Procfile", "-e", str(env_file), "start", *arguments]


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


@pytest.mark.parametrize("row", matrix_params([HEROKU_ROW]))
def test_procfile_releases_then_serves_as_heroku_does(bakes, row, tmp_path):
    services.require_binary(str(HONCHO), "honcho", "pip install honcho")
    services.require_memcached(services.MEMCACHED_SERVERS)
    project = bakes(row).project_path
    app_json = json.loads((project / "app.json").read_text())
    assert {addon["as"] for addon in app_json["addons"]} == {"DATABASE", "MEMCACHIER"}
    port = free_port()
    with services.fresh_database("postgresql") as database_url:
        env_file = tmp_path / "heroku.env"  # in place of the bake's .env, which Heroku never sees
        env_file.write_text(
            "".join(f"{name}={value}\n" for name, value in config_vars(app_json, port, database_url).items())
        )
        env = generated_suite_env(row, None)
        env.pop("MEMCACHED_SERVERS", None)
        env["PATH"] = f"{HONCHO.parent}{os.pathsep}{env['PATH']}"

        release = run_checked(honcho(env_file, "release"), project, env)
        assert "release.1 stopped (rc=0)" in release.stdout, release.stdout + release.stderr

        log_path = tmp_path / "web.log"
        with open(log_path, "wb") as log:
            web = subprocess.Popen(
                honcho(env_file, "web", "-p", str(port)),
                cwd=project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            status = wait_for_status(f"http://127.0.0.1:{port}/status", web, log_path)
            assert status == {"status": "ok", "database": "ok", "cache": "ok"}
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/tasks/", timeout=5) as response:
                assert response.status == 200  # the tables the release phase made are there
        finally:
            web.terminate()
            web.wait(timeout=30)


def wait_for_status(url, process, log_path):
    deadline = time.monotonic() + SERVER_TIMEOUT
    while True:
        try:
            return get_json(url)[1]
        except OSError:
            if process.poll() is not None:
                pytest.fail(f"honcho exited with status {process.returncode}:\n{tail(log_path)}")
            if time.monotonic() > deadline:
                pytest.fail(f"the web process did not answer within {SERVER_TIMEOUT} s:\n{tail(log_path)}")
            time.sleep(0.2)
