import pytest

from .matrix import combination_id


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
