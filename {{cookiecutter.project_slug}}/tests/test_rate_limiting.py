"""Flask-Limiter checks the decorated views only (rate_limiting.py)."""

from pathlib import Path

import pytest

from {{ cookiecutter.package_name }} import auth, rate_limiting
from {{ cookiecutter.package_name }} import extensions as limiter_module
from {{ cookiecutter.package_name }}.api import tasks
from {{ cookiecutter.package_name }}.extensions import limiter

from .account_helpers import submit


def test_no_limiter_hook_runs_on_every_request(app):
    # Fails when Flask-Limiter renames or reshapes the private hook rate_limiting.py removes.
    hooks = app.before_request_funcs[None]
    assert not [hook for hook in hooks if getattr(hook, "__self__", None) is limiter]


def test_limiter_response_hooks_run_for_the_limited_blueprints_only(app):
    # Fails when Flask-Limiter reshapes the hooks rate_limiting.py moves.
    def limiter_hooks(hooks):
        return [hook for hook in hooks if rate_limiting._belongs_to_limiter(hook)]

    for hooks in (app.after_request_funcs, app.teardown_request_funcs):
        assert not limiter_hooks(hooks.get(None, []))
        for name in rate_limiting.LIMITED_BLUEPRINTS:
            assert len(limiter_hooks(hooks[name])) == 1


@pytest.mark.parametrize("path", ["/auth/login", "/api/v1/tasks"])
def test_a_limited_view_still_answers_with_its_limit(client, path):
    if path == "/auth/login":
        response = submit(client, path, {"email": "nobody@example.org", "password": "wrong"})
    else:
        response = client.get(path)
    limit = int(response.headers["X-RateLimit-Limit"])
    assert int(response.headers["X-RateLimit-Remaining"]) == limit - 1
    assert "X-RateLimit-Limit" not in client.get("/").headers


def test_every_rate_limited_view_is_in_a_limited_blueprint():
    # A limit elsewhere would be checked, but its responses would lack the headers.
    package = Path(limiter_module.__file__).parent
    users = {
        path.relative_to(package).parts[0]
        for path in package.rglob("*.py")
        if "limiter.limit(" in path.read_text()
    }
    assert users == {"auth", "api"}
    assert set(rate_limiting.LIMITED_BLUEPRINTS) == {auth.bp.name, tasks.blp.name}
