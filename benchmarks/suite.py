"""Wall time of the bake's own test suite in one process (no xdist), as a developer runs it."""

import os
import re
import shlex
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass

from servers import without_bytecode_switch

# Options of pytest-xdist: with `-p no:xdist` pytest would refuse them in addopts.
XDIST_VALUE_OPTIONS = ("-n", "--numprocesses", "--dist", "--maxprocesses", "--max-worker-restart")
# The bake's tests set these themselves; values from this shell would change what they test.
APP_VARIABLES = re.compile(
    r"^(APP_ENV|SECRET_KEY|DATABASE_URL|REDIS_.*|MEMCACHE[DI]_.*|MEMCACHIER_.*|CACHE_.*|LOG_.*"
    r"|MAIL_.*|ADMINS|SLACK_WEBHOOK_URL|SENTRY_.*|FLASK_.*|FORWARDED_ALLOW_IPS|PROXY_COUNT|PORT"
    r"|WEB_CONCURRENCY|GUNICORN_.*|TRUSTED_HOSTS|BASE_URL|CELERY_.*)$"
)

SUMMARY = re.compile(r"^=*\s*(?:\d+ \w+|no tests ran).* in [\d.]+s.*$", re.MULTILINE)


@dataclass(frozen=True)
class SuiteRun:
    seconds: float
    passed: int
    summary: str
    ok: bool
    failures: list


def configured_addopts(project):
    """addopts from the bake's pyproject.toml (ini-style or pytest 9's native table)."""
    path = project / "pyproject.toml"
    if not path.exists():
        return None
    pytest_config = tomllib.loads(path.read_text()).get("tool", {}).get("pytest", {})
    addopts = pytest_config.get("ini_options", {}).get("addopts", pytest_config.get("addopts"))
    if addopts is None:
        return None
    return list(addopts) if isinstance(addopts, list) else shlex.split(addopts)


def without_xdist_options(options):
    kept, skip_value = [], False
    for option in options:
        if skip_value:
            skip_value = False
        elif option in XDIST_VALUE_OPTIONS:
            skip_value = True
        elif not option.startswith(tuple(f"{name}=" for name in XDIST_VALUE_OPTIONS)) and not (
            option.startswith("-n") and option[2:].isalnum()
        ):
            kept.append(option)
    return kept


def suite_command(project):
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    addopts = configured_addopts(project)
    if addopts is not None and without_xdist_options(addopts) != addopts:
        # The config asks for xdist workers; keep the rest of its options, in one process.
        command += ["-o", f"addopts={shlex.join(without_xdist_options(addopts))}"]
    return command


def suite_env():
    environ = without_bytecode_switch(os.environ)
    env = {name: value for name, value in environ.items() if not APP_VARIABLES.match(name)}
    # The project's own virtualenv holds no pytest plugin but xdist (left out here): this
    # one's (schemathesis' hypothesis, anyio, pytest-cookies...) would load into every run.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return env


def summary_line(stdout):
    """pytest's closing "N passed in Xs" line: log records on stderr may come after it."""
    found = SUMMARY.findall(stdout)
    return found[-1].strip() if found else None


def run_suite(project):
    command = suite_command(project)
    started = time.perf_counter()
    result = subprocess.run(
        command, cwd=project, env=suite_env(), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    lines = (result.stdout + result.stderr).strip().splitlines()
    summary = summary_line(result.stdout) or (lines[-1] if lines else "(no output)")
    passed = re.search(r"(\d+) passed", summary)
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    count = int(passed.group(1)) if passed else 0
    return SuiteRun(seconds, count, summary, result.returncode == 0, failures)
