"""The container files of every bake, proven by the tools that read them.

- The Dockerfile is hadolint-clean.
- The compose files follow the Compose Specification (what `docker compose` v2 reads), and a
  real Compose implementation accepts them: development (compose.override.yaml) with nothing
  but the bake's own .env, production (compose.production.yaml) with its settings, and
  production refuses each missing required setting, naming it.
- Production compose publishes nginx's port only: gunicorn is reached through the proxy,
  which gets every variable its generated configuration needs (tests/test_reverse_proxy.py
  runs that configuration), and the app counts nginx as a proxy.
- One bake's image, built from its uv.lock with the classic builder, migrates a fresh
  PostgreSQL database (`flask db upgrade`), serves on $PORT against PostgreSQL and Redis as
  a user other than root, turns healthy through its own HEALTHCHECK, and holds the source
  only: no compiler, no .env, no tests.

The image builds on python:3.11-slim, which .ci/docker.sh makes from Debian 12's Python 3.11
where no image registry is reachable; hence PYTHON_VERSION=3.11 here, whatever the bake's.
"""

import contextlib
import http.client
import importlib.util
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import yaml

from . import services
from .baked import MATRIX, matrix_params
from .nginx_proxy import IMAGE_VARIABLES, TEMPLATE_PATH, template_variables
from .throwaway_servers import free_port

BASE_IMAGE = "python:3.11-slim"
PYTHON_VERSION = "3.11"
PRODUCTION_FILES = ("compose.yaml", "compose.production.yaml")
COMPOSE_FILES = ("compose.yaml", "compose.override.yaml", "compose.production.yaml")
# ${NAME:?message}: compose stops with the message when NAME is unset or empty.
# ${NAME:?...} must be set and not empty; ${NAME?...} must be set, and may be empty.
REQUIRED_VARIABLE = re.compile(r"\$\{(\w+):?\?")
MAY_BE_EMPTY = re.compile(r"\$\{(\w+)\?")
INTERPOLATED_VARIABLE = re.compile(r"\$\{(\w+)")
IMAGE_APP_DIR = {"gunicorn.conf.py", "instance", "migrations", "my_flask_app", "wsgi.py"}
COMPILERS = ("gcc", "cc", "c++", "clang", "make")
SERVE_TIMEOUT = 60
HEALTHY_TIMEOUT = 120


def run(command, **options):
    """Run command; fails the test with its output unless it succeeds."""
    options.setdefault("timeout", 300)
    done = subprocess.run(command, capture_output=True, text=True, check=False, **options)
    assert done.returncode == 0, f"{' '.join(map(str, command))}\n{done.stdout}{done.stderr}"
    return done


def venv_tool(name):
    """A program pip installed next to this Python (hadolint, uv), else one on PATH."""
    beside = Path(sys.executable).parent / name
    return services.require_binary(str(beside) if beside.exists() else name)


def compose_command():
    """`docker compose` (v2) where the plugin is installed, else `docker-compose` (1.29)."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    return [services.require_binary("docker-compose", hint="Debian's docker-compose or the v2 plugin")]


def compose_config(project, *options, quiet=True, **settings):
    """`compose config` in project, where settings are the only values the files can read
    from the environment (besides a .env file); quiet=False: with the merged file."""
    texts = "".join((project / name).read_text() for name in COMPOSE_FILES)
    read = set(INTERPOLATED_VARIABLE.findall(texts))
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in read and not name.startswith("COMPOSE_")
    }
    return subprocess.run(
        [*compose_command(), *options, "config", *(["--quiet"] if quiet else [])],
        cwd=project,
        env={**env, **settings},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def production_settings(row):
    settings = {
        "SECRET_KEY": secrets.token_urlsafe(48),
        "TRUSTED_HOSTS": "example.org",
        "BASE_URL": "https://example.org",
        "MAIL_SERVER": "smtp.example.org",
        "ADMINS": "ops@example.org",
    }
    if row["database"] != "sqlite":
        settings["DATABASE_PASSWORD"] = secrets.token_urlsafe(16)
    return settings


@pytest.mark.parametrize("row", matrix_params())
def test_dockerfile_is_hadolint_clean(bakes, row):
    project = bakes(row).project_path
    run([venv_tool("hadolint"), "--no-color", "Dockerfile"], cwd=project)


@pytest.mark.parametrize("row", matrix_params())
def test_compose_files_follow_the_compose_specification(bakes, row):
    if importlib.util.find_spec("check_jsonschema") is None:
        services.missing("check-jsonschema is not installed (pip install -r requirements-dev.txt)")
    project = bakes(row).project_path
    schema = ["--builtin-schema", "vendor.compose-spec"]
    run([sys.executable, "-m", "check_jsonschema", *schema, *COMPOSE_FILES], cwd=project)


@pytest.mark.parametrize("row", matrix_params())
def test_development_compose_needs_nothing_but_the_bakes_env(bakes, row):
    done = compose_config(bakes(row).project_path)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("row", matrix_params())
def test_production_compose_requires_each_setting_by_name(bakes, row, tmp_path):
    project = bakes(row).project_path
    settings = production_settings(row)
    required = REQUIRED_VARIABLE.findall("".join((project / name).read_text() for name in PRODUCTION_FILES))
    assert set(required) == set(settings)
    # Production must not lean on the bake's development .env: an empty env file instead.
    empty = tmp_path / "empty.env"
    empty.write_text("")
    options = ["--env-file", str(empty), *(option for name in PRODUCTION_FILES for option in ("-f", name))]

    done = compose_config(project, *options, **settings)
    assert done.returncode == 0, done.stdout + done.stderr
    for name in settings:
        done = compose_config(project, *options, **{key: settings[key] for key in settings if key != name})
        assert done.returncode != 0, f"compose accepted production without {name}"
        assert f"set {name}" in done.stdout + done.stderr
    # ADMINS may be set empty: no error mail.
    texts = "".join((project / name).read_text() for name in PRODUCTION_FILES)
    assert MAY_BE_EMPTY.findall(texts) == ["ADMINS"]
    done = compose_config(project, *options, **{**settings, "ADMINS": ""})
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("row", matrix_params())
def test_production_compose_reaches_gunicorn_through_nginx_only(bakes, row):
    project = bakes(row).project_path
    options = [option for name in PRODUCTION_FILES for option in ("-f", name)]
    done = compose_config(project, *options, quiet=False, **production_settings(row))
    assert done.returncode == 0, done.stdout + done.stderr
    declared = yaml.safe_load(done.stdout)["services"]

    published = {name for name, service in declared.items() if service.get("ports")}
    assert published == {"proxy"}, "only nginx may be reachable from outside"
    proxy = declared["proxy"]
    assert proxy["image"].startswith("nginx:")
    [port] = proxy["ports"]
    assert str(port["target"] if isinstance(port, dict) else port.rpartition(":")[2]) == "80"
    environment = proxy["environment"]
    assert environment["NGINX_UPSTREAM"] == "app:8000"  # the image's PORT
    assert environment["NGINX_LISTEN"] == "80"
    needed = template_variables((project / TEMPLATE_PATH).read_text())
    assert needed - IMAGE_VARIABLES <= set(environment)
    assert environment["NGINX_ENTRYPOINT_LOCAL_RESOLVERS"] == "1"  # sets NGINX_LOCAL_RESOLVERS
    mounts = [
        volume if isinstance(volume, str) else f"{volume['source']}:{volume['target']}"
        for volume in proxy["volumes"]
    ]
    assert any(mount.split(":")[1] == "/etc/nginx/templates" for mount in mounts), mounts
    # nginx's X-Forwarded-For and -Proto are trusted: rate limits count clients, not nginx.
    assert str(declared["app"]["environment"]["PROXY_COUNT"]) == "1"


def served_row():
    return next(row for row in MATRIX if row["cache_backend"] == "redis" and row["database"] == "postgresql")


@contextlib.contextmanager
def built_image(docker, project):
    """Build the bake's image with the classic builder (the Dockerfile must not need
    BuildKit); yield its tag and the build's seconds, then remove it and its builder stage.

    The builder stage is built first under a tag of its own: the classic builder leaves it
    behind untagged otherwise, and removing the tags removes their layers.
    """
    tag = f"forge-test-{uuid.uuid4().hex[:12]}"
    env = {**os.environ, "DOCKER_BUILDKIT": "0"}
    build = [
        docker,
        "build",
        "--force-rm",
        "--network",
        "host",
        "--build-arg",
        f"PYTHON_VERSION={PYTHON_VERSION}",
    ]
    started = time.monotonic()
    try:
        run([*build, "--target", "builder", "-t", f"{tag}-builder", "."], cwd=project, env=env, timeout=900)
        run([*build, "-t", tag, "."], cwd=project, env=env, timeout=900)
        yield tag, time.monotonic() - started
    finally:
        subprocess.run([docker, "rmi", "-f", tag, f"{tag}-builder"], capture_output=True, check=False)


@contextlib.contextmanager
def running(docker, image, *options):
    """A detached container of image; yields its name, then removes it."""
    name = f"forge-test-{uuid.uuid4().hex[:12]}"
    run([docker, "run", "-d", "--name", name, *options, image], timeout=60)
    try:
        yield name
    finally:
        subprocess.run([docker, "rm", "-f", name], capture_output=True, check=False)


def inspect(docker, name, template):
    return json.loads(run([docker, "inspect", "-f", f"{{{{json {template}}}}}", name], timeout=30).stdout)


def get(port, path):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


def logs(docker, name):
    done = subprocess.run([docker, "logs", "--tail", "60", name], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def wait_for_status_ok(docker, name, port):
    deadline = time.monotonic() + SERVE_TIMEOUT
    while True:
        with contextlib.suppress(OSError):
            status, body = get(port, "/status")
            if status == 200 and json.loads(body)["status"] == "ok":
                return
        if not inspect(docker, name, ".State.Running"):
            pytest.fail(f"the container stopped:\n{logs(docker, name)}")
        if time.monotonic() > deadline:
            pytest.fail(f"/status was not ok on port {port} within {SERVE_TIMEOUT} s:\n{logs(docker, name)}")
        time.sleep(0.5)


def wait_until_healthy(docker, name):
    deadline = time.monotonic() + HEALTHY_TIMEOUT
    while True:
        health = inspect(docker, name, ".State.Health")
        assert health is not None, "the image has no HEALTHCHECK"
        if health["Status"] == "healthy":
            return
        if health["Status"] == "unhealthy" or time.monotonic() > deadline:
            pytest.fail(f"health {health['Status']}: {health['Log'][-3:]}\n{logs(docker, name)}")
        time.sleep(1)


def in_image(docker, image, script):
    """What script prints, run as root in a container of image (to read every directory)."""
    command = [docker, "run", "--rm", "--user", "0", "--entrypoint", "sh", image, "-c", script]
    return run(command, timeout=60).stdout


@pytest.mark.parametrize("row", matrix_params([served_row()]))
def test_the_image_migrates_and_serves_on_port_as_non_root(bakes, row, tmp_path, record_property):
    docker = services.require_docker(BASE_IMAGE)
    services.require_redis()
    uv = venv_tool("uv")
    project = tmp_path / "project"
    shutil.copytree(bakes(row).project_path, project)  # the bake is shared: uv.lock goes in a copy
    run([uv, "lock"], cwd=project)

    with built_image(docker, project) as (image, build_seconds), services.fresh_database("postgresql") as url:
        size_mb = int(inspect(docker, image, ".Size")) / 1e6
        print(f"image {size_mb:.0f} MB, built in {build_seconds:.0f} s")
        record_property("image_size_mb", round(size_mb))
        record_property("build_seconds", round(build_seconds))

        port = free_port()
        env_file = tmp_path / "production.env"
        env_file.write_text(
            f"SECRET_KEY={secrets.token_urlsafe(48)}\nTRUSTED_HOSTS=127.0.0.1\nADMINS=ops@example.org\n"
            f"BASE_URL=http://127.0.0.1:{port}\nDATABASE_URL={url}\nREDIS_URL={services.REDIS_URL}\n"
        )
        options = ["--network", "host", "--env-file", str(env_file)]
        run([docker, "run", "--rm", *options, image, "flask", "db", "upgrade"], timeout=120)

        # The image's own health check, run every 2 s instead of 30 s.
        with running(docker, image, *options, "-e", f"PORT={port}", "--health-interval", "2s") as name:
            wait_for_status_ok(docker, name, port)
            assert get(port, "/tasks/")[0] == 200  # its table exists: the migration ran
            # "Uid: real effective saved filesystem" of every process: gunicorn's arbiter, its
            # worker, and the shell asking.
            uids = run([docker, "exec", name, "sh", "-c", "grep -h ^Uid: /proc/[0-9]*/status"]).stdout
            assert len(uids.splitlines()) >= 3, uids
            assert all("0" not in line.split()[1:] for line in uids.splitlines()), uids
            wait_until_healthy(docker, name)

        assert set(in_image(docker, image, "ls -A /app").split()) == IMAGE_APP_DIR
        assert in_image(docker, image, "find / -xdev -name .env") == ""
        found = in_image(docker, image, f"for tool in {' '.join(COMPILERS)}; do command -v $tool; done; true")
        assert found == "", f"compilers in the image: {found}"
