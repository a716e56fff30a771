"""The generated README's recipe "An API resource", applied to a bake as a user would.

The default bake is copied and the recipe's code blocks are applied mechanically: a
block whose file is new becomes that file, a block for an existing file replaces the
lines that assign the same names (the one registration line). Then the bake's own
tests (the recipe's among them) and ruff must pass, and the bake is served by gunicorn
in production settings, one worker, with the app preloaded in the master and without:
/api/openapi.json, the very first request that worker serves, must describe the new
resource, which must answer a valid token, refuse a missing or wrong one with 401, and
give its errors as problem details.
"""

import json
import re
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from .baked import (
    default_row,
    generated_suite_env,
    matrix_params,
    production_env,
    run_checked,
    run_flask,
    run_generated_suite,
    start_gunicorn,
    tail,
)
from .throwaway_servers import free_port

RECIPE_HEADING = "### An API resource"
CODE_BLOCK = re.compile(r"^```python\n(.*?)^```$", re.MULTILINE | re.DOTALL)
ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*) = ")
# What the recipe adds: its resource, as the README's code names it.
RESOURCE = "/api/v1/tokens"
ADMIN_EMAIL = "recipe-admin@example.org"
TOKEN_NAME = "recipe"
PROBLEM = "application/problem+json"
SERVER_TIMEOUT = 60.0
ACCESS_LOG_TIMEOUT = 30.0


def recipe(readme):
    """The recipe's code blocks, as (path, code): each block's first line names its file."""
    section = readme.split(RECIPE_HEADING, 1)[1]
    section = re.split(r"^##", section, maxsplit=1, flags=re.MULTILINE)[0]
    blocks = []
    for code in CODE_BLOCK.findall(section):
        first, _, rest = code.partition("\n")
        assert first.startswith("# "), f"a block of the recipe names no file:\n{code}"
        blocks.append((first.removeprefix("# ").strip(), rest))
    assert blocks, f"no code in the README's {RECIPE_HEADING!r}"
    return blocks


def replace_assignments(text, code):
    """`text` with each line of `code` in place of the line that assigns the same name."""
    lines = text.splitlines(keepends=True)
    for line in code.strip().splitlines():
        name = ASSIGNMENT.match(line).group(1)
        matching = [index for index, old in enumerate(lines) if old.startswith(f"{name} = ")]
        assert len(matching) == 1, f"the recipe replaces {name}, assigned {len(matching)} times"
        lines[matching[0]] = line + "\n"
    return "".join(lines)


def apply_recipe(project):
    """Apply the README's recipe to `project`; the files it made or changed."""
    touched = []
    for path, code in recipe((project / "README.md").read_text()):
        target = project / path
        if target.exists():
            target.write_text(replace_assignments(target.read_text(), code))
        else:
            target.write_text(code)
        touched.append(path)
    return touched


def administrator_token(project, env):
    """A confirmed administrator and a token of theirs, made with the bake's CLI."""
    run_flask(
        project,
        {**env, "ADMIN_PASSWORD": secrets.token_urlsafe(16)},
        "users",
        "create-admin",
        "--email",
        ADMIN_EMAIL,
    )
    created = run_flask(
        project, env, "users", "token", "create", "--email", ADMIN_EMAIL, "--name", TOKEN_NAME
    )
    return created.stdout.strip().splitlines()[-1]


def fetch(url, token=None):
    """GET `url`: status, headers and body (JSON) of the answer, errors included."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, json.loads(error.read())


def first_fetch(url, server, log_path):
    """fetch(url) as the first request the server answers: tried until gunicorn listens (a
    refused connection reaches no worker)."""
    deadline = time.monotonic() + SERVER_TIMEOUT
    while True:
        try:
            return fetch(url)
        except urllib.error.URLError as error:
            if not isinstance(error.reason, ConnectionRefusedError):
                raise
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with status {server.returncode}:\n{tail(log_path)}")
        if time.monotonic() > deadline:
            pytest.fail(f"gunicorn did not listen within {SERVER_TIMEOUT} s:\n{tail(log_path)}")
        time.sleep(0.1)


def access_lines(app_log, count, gunicorn_log):
    """The first `count` access lines of the app's log (gunicorn writes each once its
    request is over)."""
    deadline = time.monotonic() + ACCESS_LOG_TIMEOUT
    while True:
        text = app_log.read_text() if app_log.exists() else ""
        lines = re.findall(r'gunicorn\.access: \S+ "([A-Z]+ \S+) HTTP', text)
        if len(lines) >= count:
            return lines[:count]
        if time.monotonic() > deadline:
            pytest.fail(f"{count} access lines were not logged:\n{text[-3000:]}\n{tail(gunicorn_log)}")
        time.sleep(0.1)


def operations(document):
    return {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }


def check_served(project, env, token, tmp_path, preload):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    logs = tmp_path / f"logs-preload-{preload}"
    env = {**env, "GUNICORN_PRELOAD": preload, "LOG_DIR": str(logs)}
    gunicorn_log = tmp_path / f"gunicorn-preload-{preload}.log"
    server = start_gunicorn(project, env, port, gunicorn_log, workers=1)
    try:
        status, _, document = first_fetch(f"{base}/api/openapi.json", server, gunicorn_log)
        assert status == 200
        assert (RESOURCE, "get") in operations(document), sorted(operations(document))
        assert ("/api/v1/tasks", "get") in operations(document)
        assert "tokens_api" in {tag["name"] for tag in document["tags"]}

        status, _, page = fetch(f"{base}{RESOURCE}", token)
        assert status == 200, page
        assert TOKEN_NAME in [item["name"] for item in page["items"]]
        status, headers, problem = fetch(f"{base}{RESOURCE}")
        assert (status, headers.get_content_type()) == (401, PROBLEM), problem
        assert headers["WWW-Authenticate"].lower().startswith("bearer")
        status, headers, problem = fetch(f"{base}{RESOURCE}", "pat_wrong")
        assert (status, headers.get_content_type(), problem["status"]) == (401, PROBLEM, 401)
        assert "invalid_token" in headers["WWW-Authenticate"]
        status, headers, problem = fetch(f"{base}{RESOURCE}?per_page=0", token)
        assert (status, headers.get_content_type()) == (422, PROBLEM), problem
        assert "per_page" in problem["errors"]["query"]

        # The document was the worker's first request: no other request came before it.
        assert access_lines(logs / "app.log", 1, gunicorn_log) == ["GET /api/openapi.json"]
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.parametrize("row", matrix_params([default_row()]))
def test_an_api_resource_added_by_the_readme_recipe_is_served_like_the_others(bakes, row, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(
        bakes(row).project_path, project, ignore=shutil.ignore_patterns("__pycache__", "instance")
    )
    touched = apply_recipe(project)
    assert any(path.endswith("/api/__init__.py") for path in touched), touched  # registered

    run_generated_suite(project, generated_suite_env(row, None))
    for command in (["check", "."], ["format", "--check", "."]):
        run_checked([sys.executable, "-m", "ruff", *command], project, None)

    env = production_env(row, tmp_path)
    run_flask(project, env, "db", "upgrade")
    token = administrator_token(project, env)
    for preload in ("1", "0"):
        check_served(project, env, token, tmp_path, preload)
