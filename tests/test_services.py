"""The rule for what a test needs: skip outside CI with a reason naming it, fail where required."""

import os
import subprocess
import sys

import pytest

from . import services
from .template import TEMPLATE_DIR
from .throwaway_servers import ServerProcess, free_port

MISSING_PROGRAM = "forge-no-such-program-7f3c"


@pytest.fixture
def outside_ci(monkeypatch):
    monkeypatch.setattr(services, "REQUIRE_SERVICES", False)


@pytest.fixture
def in_ci(monkeypatch):
    monkeypatch.setattr(services, "REQUIRE_SERVICES", True)


@pytest.mark.usefixtures("outside_ci")
def test_a_missing_program_skips_outside_ci():
    with pytest.raises(pytest.skip.Exception, match=rf"^{MISSING_PROGRAM} is not installed \(not on PATH\)$"):
        services.require_binary(MISSING_PROGRAM)


@pytest.mark.usefixtures("in_ci")
def test_a_missing_program_fails_where_services_are_required():
    with pytest.raises(pytest.fail.Exception) as failed:
        services.require_binary(MISSING_PROGRAM)
    assert str(failed.value) == (
        f"{MISSING_PROGRAM} is not installed (not on PATH)"
        " (services are required: REQUIRE_SERVICES/CI is set)"
    )


@pytest.mark.usefixtures("outside_ci")
def test_a_missing_path_is_named_with_the_hint(tmp_path):
    path = tmp_path / "chromium"
    with pytest.raises(pytest.skip.Exception) as skipped:
        services.require_binary(str(path), "Chromium", "set CHROMIUM_PATH")
    assert str(skipped.value) == f"Chromium is not installed at {path} (set CHROMIUM_PATH)"


@pytest.mark.usefixtures("outside_ci")
def test_a_file_that_cannot_be_executed_counts_as_missing(tmp_path):
    path = tmp_path / "redis-server"
    path.write_text("not a program")
    path.chmod(0o644)
    with pytest.raises(pytest.skip.Exception, match="is not installed at"):
        services.require_binary(str(path))


@pytest.mark.usefixtures("in_ci")
def test_an_installed_program_is_found_by_name_on_path_and_by_path(tmp_path, monkeypatch):
    program = tmp_path / "forge-fake-server"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert services.require_binary("forge-fake-server") == str(program)
    assert services.require_binary(str(program)) == str(program)


@pytest.mark.usefixtures("outside_ci")
def test_a_throwaway_server_without_its_binary_skips():
    server = ServerProcess([MISSING_PROGRAM, "--port", "0"], free_port())
    with pytest.raises(pytest.skip.Exception, match=f"{MISSING_PROGRAM} is not installed"):
        server.start()
    assert not server.running


@pytest.mark.usefixtures("outside_ci")
def test_an_unreachable_service_skips_outside_ci():
    with pytest.raises(pytest.skip.Exception, match=r"^Redis is not reachable at redis://127\.0\.0\.1:1/0$"):
        services.require("Redis", False, "redis://127.0.0.1:1/0")


@pytest.mark.usefixtures("in_ci")
def test_an_unreachable_service_fails_where_services_are_required():
    with pytest.raises(pytest.fail.Exception, match="Redis is not reachable at .*REQUIRE_SERVICES/CI is set"):
        services.require("Redis", False, "redis://127.0.0.1:1/0")


@pytest.mark.parametrize(
    ("variables", "required"),
    [
        ({}, False),
        ({"CI": "true"}, True),
        ({"REQUIRE_SERVICES": "1"}, True),
        ({"CI": "false", "REQUIRE_SERVICES": "0"}, False),
    ],
)
def test_ci_or_require_services_makes_services_required(variables, required):
    env = {key: value for key, value in os.environ.items() if key not in {"CI", "REQUIRE_SERVICES"}}
    result = subprocess.run(
        [sys.executable, "-c", "from tests import services; print(services.REQUIRE_SERVICES)"],
        cwd=TEMPLATE_DIR,
        env={**env, **variables},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == str(required)
