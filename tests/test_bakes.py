"""Bake every combination, check what it contains, lint it and run its own tests."""

import re
import subprocess
import sys

import pytest

from . import services
from .baked import MATRIX, generated_suite_env, matrix_params, run_generated_suite, unexpected_skips
from .matrix import option_values
from .template import cookiecutter_config, load_hook, template_files

post_gen = load_hook("post_gen_project")

# What only a chosen option may bring in: modules it imports, distributions it needs.
# (Database drivers are loaded by SQLAlchemy from DATABASE_URL, never imported.)
OPTION_FOOTPRINT = {
    ("cache_backend", "redis"): (("redis",), ("redis",)),
    ("cache_backend", "memcached"): (("bmemcached",), ("python-binary-memcached",)),
    ("database", "postgresql"): ((), ("psycopg",)),
    ("database", "mysql"): ((), ("PyMySQL",)),
    ("use_sentry", True): (("sentry_sdk",), ("sentry-sdk",)),
}
UNRENDERED = re.compile(r"\{\{\s*cookiecutter|\{%|\{#")
FLASK_TEMPLATE_BLOCK = re.compile(r"<!-- recipe: create \S+/templates/\S+ -->\n```html\n.*?```", re.S)
# The settings only a chosen option may read, mention or document.
OPTION_SETTINGS = {
    ("cache_backend", "redis"): "REDIS_",
    ("cache_backend", "memcached"): "MEMCACHED_",
    ("use_sentry", True): "SENTRY_",
}


def bake_matrix_values(option):
    return option_values(cookiecutter_config())[option]


def project_files(project):
    ignored = {"__pycache__", ".pytest_cache", ".ruff_cache", "instance"}
    return {
        path.relative_to(project).as_posix()
        for path in project.rglob("*")
        if path.is_file() and not ignored & set(path.relative_to(project).parts)
    }


@pytest.mark.parametrize("row", matrix_params())
def test_bake_succeeds(bakes, row):
    result = bakes(row)
    assert result.exit_code == 0, result.exception
    assert result.exception is None
    assert result.project_path.name == "my-flask-app"


@pytest.mark.parametrize("row", matrix_params())
def test_files_match_the_pruning_table(bakes, row):
    project = bakes(row).project_path
    answers = {**row, "package_name": "my_flask_app"}
    expected = template_files("my_flask_app") - set(post_gen.unchosen_paths(answers)) | {".env"}
    assert project_files(project) == expected


@pytest.mark.parametrize("row", matrix_params())
def test_no_cookiecutter_syntax_is_left(bakes, row):
    project = bakes(row).project_path
    leftovers = []
    for relative in sorted(project_files(project)):
        if "/templates/" in f"/{relative}":
            continue  # Flask's own Jinja templates, copied verbatim
        text = (project / relative).read_text(encoding="utf-8")
        if relative == "README.md":
            # Its recipes show Jinja templates (Extending the app): Flask's, not ours.
            text = FLASK_TEMPLATE_BLOCK.sub("", text)
        leftovers += [f"{relative}: {match.group()}" for match in UNRENDERED.finditer(text)]
    assert leftovers == []


@pytest.mark.parametrize("row", matrix_params())
def test_only_chosen_options_bring_imports_and_dependencies(bakes, row):
    project = bakes(row).project_path
    code = "\n".join(
        (project / relative).read_text(encoding="utf-8")
        for relative in project_files(project)
        if relative.endswith(".py")
    )
    pyproject = (project / "pyproject.toml").read_text()
    runtime_dependencies = pyproject.split("[project.optional-dependencies]")[0]
    for (option, value), (modules, distributions) in OPTION_FOOTPRINT.items():
        chosen = row[option] == value
        for module in modules:
            imported = re.search(rf"^\s*(import|from)\s+{module}\b", code, re.M) is not None
            assert imported == chosen, f"import {module}: {option}={row[option]!r}"
        for distribution in distributions:
            declared = re.search(rf'^\s*"{re.escape(distribution)}[\[>=<]', runtime_dependencies, re.M)
            assert (declared is not None) == chosen, f"{distribution}: {option}={row[option]!r}"


@pytest.mark.parametrize("row", matrix_params())
def test_no_setting_of_an_unchosen_option_remains(bakes, row):
    project = bakes(row).project_path
    texts = {name: (project / name).read_text(encoding="utf-8") for name in project_files(project)}
    for (option, value), prefix in OPTION_SETTINGS.items():
        mentioned = sorted(relative for relative, text in texts.items() if prefix in text)
        if row[option] == value:
            assert mentioned, f"{prefix}*: {option}={value!r} but no file mentions it"
        else:
            assert mentioned == [], f"{prefix}*: {option}={row[option]!r}"


@pytest.mark.parametrize("row", matrix_params())
def test_env_has_a_fresh_secret_and_is_git_ignored(bakes, row):
    project = bakes(row).project_path
    env = dict(
        line.split("=", 1)
        for line in (project / ".env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert len(env["SECRET_KEY"]) >= 48
    assert env["SECRET_KEY"] != "change-me"
    assert ".env" in (project / ".gitignore").read_text().splitlines()


def assert_ruff_clean(project):
    for command in (["check", "--no-cache", "."], ["format", "--check", "--no-cache", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command], cwd=project, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("row", matrix_params())
def test_ruff_is_clean(bakes, row):
    assert_ruff_clean(bakes(row).project_path)


@pytest.mark.parametrize("row", matrix_params())
def test_bandit_finds_nothing_of_medium_severity_or_more(bakes, row):
    project = bakes(row).project_path
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-c", "pyproject.toml", "-r", ".", "--severity-level", "medium"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No issues identified." in result.stdout


@pytest.mark.parametrize("cache_backend", bake_matrix_values("cache_backend"))
def test_long_names_stay_lint_clean(cookies, cache_backend):
    # Package names end up in imports and strings: a long one must not break line lengths.
    result = cookies.bake(
        extra_context={
            "project_name": "Inventory Management Platform Service",
            "cache_backend": cache_backend,
            "use_sentry": True,
        }
    )
    assert result.exit_code == 0, result.exception
    assert result.project_path.name == "inventory-management-platform-service"
    assert_ruff_clean(result.project_path)


@pytest.fixture
def database_url(row):
    if row["database"] == "sqlite":
        yield None
    else:
        with services.fresh_database(row["database"]) as url:
            yield url


@pytest.mark.parametrize("row", matrix_params())
def test_generated_suite_passes_on_real_servers(bakes, row, database_url):
    project = bakes(row).project_path
    output = run_generated_suite(project, generated_suite_env(row, database_url))
    assert " passed" in output
    if services.REQUIRE_SERVICES:
        assert unexpected_skips(output) == []


SASL_ROWS = [row for row in MATRIX if row["cache_backend"] == "memcached"]


@pytest.mark.parametrize("row", matrix_params(SASL_ROWS))
def test_generated_cache_tests_pass_on_sasl_memcached(bakes, row):
    project = bakes(row).project_path
    services.require_memcached(services.MEMCACHED_SASL_SERVERS)
    env = generated_suite_env(
        row,
        None,
        MEMCACHED_SERVERS=services.MEMCACHED_SASL_SERVERS,
        MEMCACHED_USERNAME=services.MEMCACHED_SASL_USERNAME,
        MEMCACHED_PASSWORD=services.MEMCACHED_SASL_PASSWORD,
    )
    output = run_generated_suite(project, env, "tests/integration", "-k", "cache")
    assert "SKIPPED" not in output
    assert " passed" in output
