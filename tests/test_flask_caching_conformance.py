"""Flask-Caching's own test suite, from its source distribution, against each bake's cache.

The suite is the one of the Flask-Caching version the bakes run with (requirements-dev.txt
pins it), obtained with pip (`pip download --no-binary :all:`) and kept in the temporary
directory for the next runs. Its tests and assertions run unchanged: overlay_conftest.py
(in tests/flask_caching_suite/) gives their `app` the bake's cache settings and their
`cache` the bake's own `extensions.cache`, set up as create_app() does, so that they test
the fail-safe wrapper and the chosen backend inside it, on the real servers of the
environment; overlay_test_baked_cache.py runs Flask-Caching's backend test classes on both.
A test that cannot apply to a backend is skipped by a named rule with its reason
(NOT_APPLICABLE in the overlay); any other skip fails the test.

Where services are required (CI), a suite that cannot be obtained fails the test; elsewhere
it is skipped, naming what is missing.
"""

import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import uuid
from pathlib import Path

import pytest

from . import services
from .baked import MATRIX, generated_suite_env, matrix_params

FLASK_CACHING_VERSION = importlib.metadata.version("Flask-Caching")
# What Flask-Caching's tests import beyond what the bakes install: pytest-xprocess (their
# conftest.py, which starts their own servers: not used here), with its psutil, and asgiref
# (Flask's async views, test_view.py). Installed beside the suite, not into the environment.
SUITE_REQUIREMENTS = ("pytest-xprocess==1.0.2", "psutil==7.2.2", "asgiref==3.13.0")
SUITES_DIR = Path(tempfile.gettempdir()) / "flask-forge-library-suites"
OVERLAY_DIR = Path(__file__).resolve().parent / "flask_caching_suite"
# The overlay's marker of a test that cannot apply to the backend (see overlay_conftest.py).
NOT_APPLICABLE = "does not apply to the bake's cache:"
# Flask-Caching's own skips that depend on the interpreter, not on the cache.
OWN_SKIPS = ("requires Python 3.14",)
BACKENDS = ("simple", "filesystem", "redis", "memcached", "null")


def row_for(cache_backend):
    return next(
        row for row in MATRIX if row["cache_backend"] == cache_backend and row["database"] == "sqlite"
    )


def obtain_suite():
    """Flask-Caching's sdist, unpacked, with its test requirements beside it: the cached
    copy, or a new one from the package registry."""
    suite = SUITES_DIR / f"Flask-Caching-{FLASK_CACHING_VERSION}"
    if (suite / "tests" / "conftest.py").is_file() and (suite / "requirements").is_dir():
        return suite
    SUITES_DIR.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="obtaining-", dir=SUITES_DIR))
    try:
        pip(
            "download", "--no-binary", ":all:", "--no-deps", "--dest", work,
            f"Flask-Caching=={FLASK_CACHING_VERSION}",
        )  # fmt: skip
        pip("install", "--no-deps", "--target", work / "requirements", *SUITE_REQUIREMENTS)
        (sdist,) = work.glob("*.tar.gz")
        with tarfile.open(sdist) as archive:
            archive.extractall(work, filter="data")
        (unpacked,) = (path for path in work.iterdir() if path.is_dir() and (path / "tests").is_dir())
        shutil.move(work / "requirements", unpacked / "requirements")
        try:
            unpacked.rename(suite)  # atomic: a parallel worker may have been quicker
        except OSError:
            if not suite.is_dir():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return suite


def pip(*args):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        services.missing(
            f"Flask-Caching {FLASK_CACHING_VERSION}'s test suite could not be obtained with pip "
            f"({' '.join(map(str, args[:1]))}): {done.stderr.strip()[-1500:]}"
        )


@pytest.fixture(scope="module")
def flask_caching_suite():
    return obtain_suite()


def suite_with_overlay(suite, destination):
    """A copy of the suite whose conftest.py is the overlay's (theirs kept beside it)."""
    shutil.copytree(suite / "tests", destination / "tests")
    shutil.copy(suite / "pyproject.toml", destination)  # their pytest settings
    (destination / "tests" / "conftest.py").rename(destination / "tests" / "flask_caching_conftest.py")
    shutil.copy(OVERLAY_DIR / "overlay_conftest.py", destination / "tests" / "conftest.py")
    shutil.copy(OVERLAY_DIR / "overlay_test_baked_cache.py", destination / "tests" / "test_baked_cache.py")
    return destination


def package_of(project):
    return next(path.name for path in project.iterdir() if (path / "caching" / "__init__.py").is_file())


def run_suite(suite, requirements, project, env):
    env = {
        **env,
        "FORGE_BAKE_PACKAGE": package_of(project),
        "PYTHONPATH": os.pathsep.join([str(project), str(requirements)]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rfEs", "tests"],
        cwd=suite,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


def skips_without_a_reason(output):
    return [
        line
        for line in output.splitlines()
        if line.startswith("SKIPPED") and not any(reason in line for reason in (NOT_APPLICABLE, *OWN_SKIPS))
    ]


def check_suite(flask_caching_suite, bakes, row, tmp_path, **servers):
    project = bakes(row).project_path
    copy = suite_with_overlay(flask_caching_suite, tmp_path)
    env = generated_suite_env(row, None, REQUIRE_SERVICES="1", **servers)
    output = run_suite(copy, flask_caching_suite / "requirements", project, env)
    assert " passed" in output
    assert skips_without_a_reason(output) == []


@pytest.mark.parametrize("row", matrix_params([row_for(backend) for backend in BACKENDS]))
def test_flask_caching_suite_passes_on_the_bakes_cache(flask_caching_suite, bakes, row, tmp_path):
    check_suite(flask_caching_suite, bakes, row, tmp_path)


@pytest.mark.parametrize("row", matrix_params([row_for("memcached")]))
def test_flask_caching_suite_passes_on_sasl_memcached(flask_caching_suite, bakes, row, tmp_path):
    services.require_memcached(services.MEMCACHED_SASL_SERVERS)
    check_suite(
        flask_caching_suite,
        bakes,
        row,
        tmp_path,
        MEMCACHED_SERVERS=services.MEMCACHED_SASL_SERVERS,
        MEMCACHED_USERNAME=services.MEMCACHED_SASL_USERNAME,
        MEMCACHED_PASSWORD=services.MEMCACHED_SASL_PASSWORD,
    )


def test_the_suite_is_the_one_of_the_pinned_version(flask_caching_suite):
    pinned = [
        line.split("==")[1].strip()
        for line in (Path(__file__).resolve().parents[1] / "requirements-dev.txt").read_text().splitlines()
        if line.startswith("Flask-Caching==")
    ]
    assert pinned == [FLASK_CACHING_VERSION]
    assert f'version = "{FLASK_CACHING_VERSION}"' in (flask_caching_suite / "pyproject.toml").read_text()


def test_unobtainable_suite_is_named(monkeypatch, tmp_path):
    """Outside CI a registry that cannot be reached skips, naming what is missing; in CI
    (services required) it fails."""
    monkeypatch.setattr(sys.modules[__name__], "SUITES_DIR", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "FLASK_CACHING_VERSION", f"0.0.0.dev0+{uuid.uuid4().hex}")
    expected = pytest.fail.Exception if services.REQUIRE_SERVICES else pytest.skip.Exception
    with pytest.raises(expected, match="test suite could not be obtained"):
        obtain_suite()
