"""Schemathesis fuzzes the JSON API of a served bake from its own OpenAPI document.

Two bakes of the matrix, the default one (SQLite, the simple cache) and one on
PostgreSQL (with Redis where the matrix has that row), are migrated, given an
administrator and a personal access token through the `flask users` commands, and served
by gunicorn in production settings on loopback. Schemathesis then reads
/api/openapi.json and, with `Authorization: Bearer <token>`, sends every operation it
documents examples, boundary and malformed values, random valid and invalid data, and,
where the document links operations, sequences of calls. It runs every check it has: no
answer is a server error; status codes, content types, headers and bodies are those the
document gives for the operation; invalid data is refused and valid data accepted;
requests without the token are refused; a deleted task is gone. A fixed seed and a
bounded number of examples per operation make the run repeatable and short.

The figures (operations, test cases, failures, the stateful phase) are printed and
written to test-artifacts/schemathesis/<bake>.txt (FORGE_ARTIFACTS_DIR moves them).
"""

import contextlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from . import services
from .baked import (
    ARTIFACTS_DIR,
    MATRIX,
    default_row,
    gunicorn,
    matrix_params,
    production_env,
    run_flask,
    tail,
)
from .matrix import combination_id
from .throwaway_servers import free_port

HOST = "127.0.0.1"
ADMIN_EMAIL = "fuzz-admin@example.org"
# 14+ characters and on no list of common passwords.
ADMIN_PASSWORD = "schemathesis-fuzzes-the-api-17"
TOKEN_NAME = "schemathesis"
SEED = 20240601
MAX_EXAMPLES = 50
FUZZ_TIMEOUT = 600
# "Scenarios: 51" and "API Links: 17 covered / 18 selected / 18 total (18 inferred)".
STATEFUL_LINE = re.compile(r"^\s*(Scenarios|API Links):")


def postgresql_row():
    """A PostgreSQL row of the matrix, one with the Redis cache if there is one."""
    rows = [row for row in MATRIX if row["database"] == "postgresql"]
    return next((row for row in rows if row["cache_backend"] == "redis"), rows[0])


def require_schemathesis():
    """The schemathesis command of this environment (it has no `python -m` entry point)."""
    return services.require_binary(
        str(Path(sys.executable).with_name("schemathesis")),
        name="schemathesis",
        hint="pip install -r requirements-dev.txt",
    )


@contextlib.contextmanager
def database_url(row, tmp_path):
    """SQLite in tmp_path, or a throwaway database on the row's server."""
    if row["database"] == "sqlite":
        yield f"sqlite:///{tmp_path}/served.sqlite"
    else:
        with services.fresh_database(row["database"]) as url:
            yield url


def served_env(row, tmp_path, database, port):
    return production_env(
        row,
        tmp_path,
        DATABASE_URL=database,
        TRUSTED_HOSTS=HOST,
        BASE_URL=f"http://{HOST}:{port}",
        ARGON2_MEMORY_COST="8192",
        # Thousands of requests a minute with one token: the rate limit must not answer them.
        API_RATE_LIMIT="100000 per minute",
    )


def administrator_token(project, env):
    """Migrate, create an administrator and a token for it; the token, as the CLI printed it."""
    run_flask(project, env, "db", "upgrade")
    admin_env = {**env, "ADMIN_PASSWORD": ADMIN_PASSWORD}
    run_flask(project, admin_env, "users", "create-admin", "--email", ADMIN_EMAIL)
    created = run_flask(
        project, env, "users", "token", "create", "--email", ADMIN_EMAIL, "--name", TOKEN_NAME
    )
    token = created.stdout.strip().splitlines()[-1].strip()
    assert token, f"no token on the last line of:\n{created.stdout}"
    assert " " not in token, f"no token alone on the last line of:\n{created.stdout}"
    return token


def schemathesis_command(schemathesis, base_url, token, report_path):
    return [
        schemathesis,
        "run",
        f"{base_url}/api/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {token}",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report_path),
    ]


def run_schemathesis(command, cwd):
    """schemathesis, run in cwd (tmp_path: no configuration file or state of the repo);
    its exit code (None when it timed out) and its output."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1", "COLUMNS": "120"}
    try:
        done = subprocess.run(
            command, cwd=cwd, env=env, capture_output=True, text=True, timeout=FUZZ_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired as expired:
        output = as_text(expired.stdout) + as_text(expired.stderr)
        return None, f"{output}\n(schemathesis did not finish within {FUZZ_TIMEOUT} s)"
    return done.returncode, done.stdout + done.stderr


def as_text(captured):
    if isinstance(captured, bytes):
        return captured.decode(errors="replace")
    return captured or ""


def stateful_lines(output):
    """What schemathesis's output says of its stateful phase: scenarios run, links followed."""
    return [line.strip() for line in output.splitlines() if STATEFUL_LINE.match(line)]


def redacted(command):
    return [re.sub(r"Bearer \S+", "Bearer <token>", part) for part in command]


def operations_figures(report):
    operations = report.get("operations") or {}
    cases = report.get("test_cases") or {}
    return [
        f"operations: {operations.get('tested')} tested of {operations.get('selected')} selected"
        f" ({operations.get('total')} in the document, {operations.get('errored')} errored,"
        f" {operations.get('skipped')} skipped)",
        f"test cases: {cases.get('generated')} generated, {cases.get('with_failures')} with failures,"
        f" {cases.get('unique_failures')} unique failures, {cases.get('errored')} errored",
    ]


def phases_figures(report):
    phases = report.get("phases") or {}
    described = (
        f"{name} {phase['status']}" + (f" ({phase['skip_reason']})" if phase.get("skip_reason") else "")
        for name, phase in phases.items()
    )
    return ["phases: " + ", ".join(described)]


def problems_figures(report):
    failures = [
        f"failure: {failure['title']} x{failure['count']} in {failure['operations']}"
        for failure in report.get("failures", [])
    ]
    errors = [f"error: {error['title']} x{error['count']}" for error in report.get("errors", [])]
    warnings = [
        f"warning: {kind} in {labels}" for kind, labels in (report.get("warnings") or {}).items() if labels
    ]
    return failures + errors + warnings


def figures(row, command, report, output, seconds):
    """A short account of the run: what was tested, how much, what failed."""
    lines = [
        f"bake: {combination_id(row)}",
        f"command: {' '.join(redacted(command))}",
        f"exit code: {report.get('exit_code')}, {seconds:.1f} s",
        *operations_figures(report),
        *phases_figures(report),
        *problems_figures(report),
        "stateful phase: " + ("; ".join(stateful_lines(output)) or "no figures in the output"),
    ]
    return "\n".join(lines) + "\n"


def keep_figures(row, text):
    folder = ARTIFACTS_DIR / "schemathesis"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{combination_id(row)}.txt").write_text(text)


def read_report(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


@pytest.mark.parametrize("row", matrix_params([default_row(), postgresql_row()]))
def test_schemathesis_finds_nothing_wrong_with_the_api(bakes, row, tmp_path):
    schemathesis = require_schemathesis()
    project = bakes(row).project_path
    port = free_port()
    gunicorn_log = tmp_path / "gunicorn.log"
    report_path = tmp_path / "schemathesis" / "report.json"
    with database_url(row, tmp_path) as database:
        env = served_env(row, tmp_path, database, port)
        token = administrator_token(project, env)
        with gunicorn(project, env, port, gunicorn_log) as base_url:
            command = schemathesis_command(schemathesis, base_url, token, report_path)
            started = time.monotonic()
            code, output = run_schemathesis(command, tmp_path)
            seconds = time.monotonic() - started
    summary = figures(row, command, read_report(report_path), output, seconds)
    print(f"\n{summary}")
    keep_figures(row, summary + "\n" + output.replace(token, "<token>"))
    assert code == 0, f"{summary}\n{output}\n--- gunicorn log (tail) ---\n{tail(gunicorn_log)}"
