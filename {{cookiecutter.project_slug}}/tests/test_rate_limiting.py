"""Flask-Limiter checks the decorated views only (rate_limiting.py)."""

from {{ cookiecutter.package_name }}.extensions import limiter


def test_no_limiter_hook_runs_on_every_request(app):
    # Fails when Flask-Limiter renames or reshapes the private hook rate_limiting.py removes.
    hooks = app.before_request_funcs[None]
    assert not [hook for hook in hooks if getattr(hook, "__self__", None) is limiter]
