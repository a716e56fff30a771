"""The default bake installs from its own pyproject.toml into an empty virtualenv."""

import os
import subprocess
import sys

import pytest

from .template import defaults

VENV_GROUP = pytest.mark.xdist_group("fresh-virtualenv")


def run(command, cwd, timeout=600, env=None):
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


@VENV_GROUP
def test_default_bake_installs_and_passes_its_tests_in_a_fresh_virtualenv(cookies, tmp_path):
    result = cookies.bake()
    assert result.exit_code == 0, result.exception
    project = result.project_path
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    python = str(venv / "bin" / "python")
    run([python, "-m", "pip", "install", "--quiet", "-e", ".[dev]"], cwd=project)
    # The printed next steps, as a new user runs them.
    flask = str(venv / "bin" / "flask")
    run([flask, "--app", "my_flask_app", "db", "upgrade"], cwd=project)
    assert "Added 3 demo tasks" in run([flask, "--app", "my_flask_app", "seed"], cwd=project)
    assert (project / "instance" / "my_flask_app.sqlite").is_file()
    # The printed step gives the author's e-mail.
    author_email = defaults()["author_email"]
    admin = [flask, "--app", "my_flask_app", "users", "create-admin", "--email", author_email]
    env = {**os.environ, "ADMIN_PASSWORD": "a-long-admin-passphrase-31"}
    assert f"{author_email} is an administrator" in run(admin, cwd=project, env=env)
    assert f"{author_email}\tAdministrator\tconfirmed" in run(
        [flask, "--app", "my_flask_app", "users", "list"], cwd=project
    )
    output = run([python, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=project)
    assert " passed" in output
    assert " failed" not in output
