import sys
from pathlib import Path

import pytest

# The helper modules of this suite (template, matrix, services) import by name.
sys.path.insert(0, str(Path(__file__).parent))

from matrix import combination_id  # noqa: E402


@pytest.fixture(scope="session")
def bakes(cookies_session):
    """One bake per combination per test process, shared by that combination's tests."""
    done = {}

    def bake(row):
        key = combination_id(row)
        if key not in done:
            done[key] = cookies_session.bake(extra_context=row)
        return done[key]

    return bake
