"""The developer tooling of every bake (CI workflow, Dependabot, pre-commit, Makefile, editor
and git settings), and the CI workflow's own steps run here against the local servers."""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from . import services
from .baked import APP_VARIABLES, MATRIX, cache_servers, matrix_params, unexpected_skips

WORKFLOW = ".github/workflows/ci.yml"
DEPENDABOT = ".github/dependabot.yml"
GITHUB_ROWS = [row for row in MATRIX if row["ci"] == "github"]
MAKE_TARGETS = [
    "help",
    "setup",
    "lock",
    "run",
    "test",
    "lint",
    "format",
    "migrate",
    "docker-build",
    "up",
    "down",
]
# Option value: its container in the CI test job, and the variable that finds the server.
SERVERS = {
    "postgresql": ("postgres", "DATABASE_URL"),
    "mysql": ("mariadb", "DATABASE_URL"),
    "redis": ("redis", "REDIS_URL"),
    "memcached": ("memcached", "MEMCACHED_SERVERS"),
}
# background_jobs=celery: the workers' broker is a Redis container too.
BROKER = ("redis", "CELERY_BROKER_URL")
SERVICE_VARIABLES = {variable for _, variable in [*SERVERS.values(), BROKER]}
# What stands in here for the actions the workflow uses.
STAND_INS = {
    "actions/checkout": "a copy of the bake without its git-ignored files",
    "actions/setup-python": "this interpreter, as UV_PYTHON",
    "astral-sh/setup-uv": "the uv of this environment, alone on PATH",
}
# Jobs whose steps are not run here, and why.
SKIPPED_JOBS = {"docker": "tests/test_container.py builds the image and runs it"}


def run(command, cwd, env=None, timeout=120):
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def load_workflow(project):
    return yaml.safe_load((project / WORKFLOW).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("path", "schema"), [(WORKFLOW, "vendor.github-workflows"), (DEPENDABOT, "vendor.dependabot")]
)
@pytest.mark.parametrize("row", matrix_params(GITHUB_ROWS))
def test_github_files_match_their_schemas(bakes, row, path, schema):
    # check-jsonschema's vendored schemas: offline, and the closest to a linter for these files.
    checked = run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, path], bakes(row).project_path
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("row", matrix_params(GITHUB_ROWS))
def test_ci_test_job_has_a_container_for_each_chosen_server(bakes, row):
    job = load_workflow(bakes(row).project_path)["jobs"]["test"]
    chosen = [SERVERS[value] for value in (row["database"], row["cache_backend"]) if value in SERVERS]
    if row["background_jobs"] == "celery":
        chosen.append(BROKER)
    containers = job.get("services", {})
    assert set(containers) == {container for container, _ in chosen}
    assert set(job["env"]) & SERVICE_VARIABLES == {variable for _, variable in chosen}
    published = {int(port.split(":")[0]) for container in containers.values() for port in container["ports"]}
    for variable in SERVICE_VARIABLES & set(job["env"]):
        value = job["env"][variable]
        address = urlsplit(value if "://" in value else f"//{value}")
        assert (address.hostname, address.port in published) == ("127.0.0.1", True), variable
    if row["database"] in SERVERS:
        url = urlsplit(job["env"]["DATABASE_URL"])
        database_container = containers[SERVERS[row["database"]][0]]["env"]
        assert {url.path.lstrip("/"), url.password} <= set(database_container.values())
        assert "test" in url.path  # the generated tests drop the tables of this database


@pytest.mark.parametrize("row", matrix_params())
def test_pre_commit_config_is_valid(bakes, row):
    checked = run([sys.executable, "-m", "pre_commit", "validate-config"], bakes(row).project_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize("row", matrix_params())
def test_make_help_lists_every_target_and_each_parses(bakes, row):
    make = services.require_binary("make")
    project = bakes(row).project_path
    listed = run([make, "help"], project)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == MAKE_TARGETS
    for target in MAKE_TARGETS:
        dry_run = run([make, "-n", target], project)
        assert dry_run.returncode == 0, f"make -n {target}: {dry_run.stderr}"


@pytest.mark.parametrize("row", matrix_params())
def test_git_keeps_text_files_lf_and_binaries_untouched(bakes, row, tmp_path):
    git = services.require_binary("git")
    project = bakes(row).project_path
    assert "end_of_line = lf" in (project / ".editorconfig").read_text()
    shutil.copy(project / ".gitattributes", tmp_path)
    run([git, "init", "-q"], tmp_path)
    attributes = run([git, "check-attr", "eol", "diff", "--", "start.sh", "logo.png"], tmp_path).stdout
    assert "start.sh: eol: lf" in attributes
    assert "logo.png: diff: unset" in attributes


def fixes_the_hooks_would_make(path):
    """What trailing-whitespace, end-of-file-fixer and mixed-line-ending would change."""
    data = path.read_bytes()
    if b"\0" in data:
        return []  # binary
    fixes = []
    if b"\r" in data:
        fixes.append("CR line endings")
    if data and not data.endswith(b"\n") or data.endswith(b"\n\n"):
        fixes.append("end of file")
    if any(line != line.rstrip() for line in data.split(b"\n")):
        fixes.append("trailing whitespace")
    return fixes


@pytest.mark.parametrize("row", matrix_params())
def test_text_files_need_no_fix_from_the_pre_commit_hooks(bakes, row):
    project = bakes(row).project_path
    unclean = {
        path.relative_to(project).as_posix(): fixes
        for path in project.rglob("*")
        if path.is_file() and (fixes := fixes_the_hooks_would_make(path))
    }
    assert unclean == {}


def github_row(**choices):
    """A matrix row with ci=github and these choices; the first such row plus them if none has them."""
    for row in GITHUB_ROWS:
        if all(row[option] == value for option, value in choices.items()):
            return row
    return {**GITHUB_ROWS[0], **choices}


CI_RUN_ROWS = [
    github_row(database="postgresql", cache_backend="redis"),
    github_row(database="mysql", cache_backend="memcached"),
    github_row(database="sqlite", cache_backend="simple"),
]


@pytest.fixture
def local_servers(row):
    """The local servers in place of the CI test job's containers, by variable."""
    servers = cache_servers(row)
    if row["background_jobs"] == "celery":
        services.require_redis()
        servers["CELERY_BROKER_URL"] = services.REDIS_URL
    if row["database"] not in SERVERS:
        yield servers
    else:
        with services.fresh_database(row["database"]) as url:
            yield {**servers, "DATABASE_URL": url}


def checkout_of(project, destination):
    """The files a clone of the committed bake has: git itself drops what .gitignore lists."""
    git = services.require_binary("git")
    shutil.copytree(project, destination)
    for command in (["init", "-q"], ["clean", "-q", "-f", "-d", "-X"]):
        subprocess.run([git, *command], cwd=destination, check=True, capture_output=True)
    shutil.rmtree(destination / ".git")
    return destination


@pytest.mark.parametrize("row", matrix_params())
def test_git_ignores_only_the_secrets_and_what_runs_leave_behind(bakes, row, tmp_path):
    project = bakes(row).project_path
    checkout = checkout_of(project, tmp_path / "checkout")
    left_out = {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and not (checkout / path.relative_to(project)).exists()
    }
    produced_by_runs = ("__pycache__/", ".pytest_cache/", ".ruff_cache/", "instance/")
    assert {path for path in left_out if not any(part in f"{path}" for part in produced_by_runs)} == {".env"}


def runner_environment(tmp_path):
    """This machine's environment as a runner's: CI set, no app settings, no virtualenv,
    uv on PATH (setup-uv) and nothing else of this suite's environment."""
    uv = services.require_binary("uv", hint="pip install uv")
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "uv").symlink_to(uv)
    ours = str(Path(sys.executable).parent)
    path = [str(tools), *(entry for entry in os.environ["PATH"].split(os.pathsep) if entry != ours)]
    env = {name: value for name, value in os.environ.items() if not APP_VARIABLES.match(name)}
    # A runner caches bytecode: without it each of the suite's processes compiles SQLAlchemy anew.
    for name in ("VIRTUAL_ENV", "REQUIRE_SERVICES", "PYTHONPATH", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return {
        **env,
        "PATH": os.pathsep.join(path),
        "CI": "true",
        # setup-python's Python, found without a python on PATH (a fresh machine may have none).
        "UV_PYTHON": sys._base_executable,
        "UV_PYTHON_DOWNLOADS": "never",
    }


@pytest.mark.parametrize("row", matrix_params(CI_RUN_ROWS))
def test_ci_workflow_steps_pass_on_the_local_servers(bakes, row, local_servers, tmp_path):
    project = checkout_of(bakes(row).project_path, tmp_path / "checkout")
    workflow = load_workflow(project)
    runner = runner_environment(tmp_path)
    # What the README tells users to do once, and commit.
    locked = run(["uv", "lock"], project, runner, timeout=300)
    assert locked.returncode == 0, locked.stderr
    assert set(SKIPPED_JOBS) <= set(workflow["jobs"])
    assert set(workflow["jobs"]["test"]["env"]) & SERVICE_VARIABLES == set(local_servers)
    test_output = None
    for job_name, job in workflow["jobs"].items():
        if job_name in SKIPPED_JOBS:
            continue
        for number, step in enumerate(job["steps"], 1):
            if "uses" in step:
                assert step["uses"].partition("@")[0] in STAND_INS, step["uses"]
                continue
            name = f"{job_name} / {step.get('name', number)}"
            env = {**workflow.get("env", {}), **job.get("env", {}), **step.get("env", {})}
            env = {**runner, **{key: str(value) for key, value in env.items()}, **local_servers}
            env["UV_PYTHON"] = sys._base_executable  # setup-python's Python here
            script = tmp_path / "step.sh"
            script.write_text(step["run"])
            # GitHub's default shell for `run:` on Linux.
            done = run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", script], project, env, timeout=900
            )
            assert done.returncode == 0, f"{name}:\n{done.stdout[-5000:]}\n{done.stderr[-3000:]}"
            if "pytest" in step["run"]:
                test_output = done.stdout
    # The generated suite ran, with every server required: none of its tests skipped.
    assert workflow["jobs"]["test"]["env"]["REQUIRE_SERVICES"] == "1"
    assert " passed" in test_output
    assert unexpected_skips(test_output) == []
