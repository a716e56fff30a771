"""Flask-Limiter's hooks, only where limits are: no per-request check, and its response and
teardown hooks on the blueprints whose views carry limits (a 429 gets the shared error
page)."""

from functools import partial

from flask import Flask

from .extensions import limiter

# The blueprints with rate-limited views: auth/ and the API's (api/authentication.py). A
# limit on a view elsewhere needs its blueprint here, or its responses lack the X-RateLimit
# headers (tests/test_rate_limiting.py checks).
LIMITED_BLUEPRINTS = ("auth", "tasks_api")


def without_application_wide_limits(app: Flask) -> None:
    """The limits are on the decorated views, whose decorator checks them; there are no
    default or application-wide limits, so the check Flask-Limiter hooks onto every
    request would only cost time on every page.

    Flask-Limiter 4 has no public switch for that hook: this removes its private
    `_check_request_limit` (pinned below 5 in pyproject.toml; tests/test_rate_limiting.py
    fails if the hook changes).
    """
    hooks = app.before_request_funcs.setdefault(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
    _move_to_limited_blueprints(app.after_request_funcs)
    _move_to_limited_blueprints(app.teardown_request_funcs)


def _move_to_limited_blueprints(hooks_by_blueprint: dict) -> None:
    """The hook that adds the X-RateLimit headers and the one that resets the limiter's
    state of a request do nothing for a view without limits, yet cost every page a look
    at that state; they run for the limited blueprints' requests only."""
    app_wide = hooks_by_blueprint.setdefault(None, [])
    for hook in [hook for hook in app_wide if _belongs_to_limiter(hook)]:
        app_wide.remove(hook)
        for name in LIMITED_BLUEPRINTS:
            hooks_by_blueprint.setdefault(name, []).append(hook)


def _belongs_to_limiter(hook: object) -> bool:
    # Flask-Limiter 4 registers partial(Limiter.<method>, limiter) and a bound method.
    if isinstance(hook, partial):
        return hook.args == (limiter,)
    return getattr(hook, "__self__", None) is limiter
