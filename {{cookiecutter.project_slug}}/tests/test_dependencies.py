"""Version ranges in pyproject.toml stop at most at a library's next major release: a
new minor or patch release (a security fix) installs without waiting for this project.
uv.lock pins what a deploy installs."""

import re
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"
# An upper bound, and the operators that stop a range elsewhere (==, ~=, <=, ===).
UPPER_BOUND = re.compile(r"(?<![<>=!~])<\s*([0-9][0-9.]*)")
OTHER_CEILINGS = re.compile(r"==|~=|<=")


def requirements():
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    yield from project["dependencies"]
    for extra in project.get("optional-dependencies", {}).values():
        yield from extra


def test_upper_bounds_are_whole_major_versions():
    narrow = []
    for requirement in requirements():
        specifiers = requirement.split(";")[0]
        if OTHER_CEILINGS.search(specifiers):
            narrow.append(requirement)
        for bound in UPPER_BOUND.findall(specifiers):
            major, *rest = bound.split(".")
            if any(part.strip("0") for part in rest) or major == "0":
                narrow.append(requirement)
    assert narrow == []
