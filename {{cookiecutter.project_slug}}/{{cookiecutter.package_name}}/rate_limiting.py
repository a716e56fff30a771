"""Flask-Limiter without its per-request check (a 429 gets the shared error page)."""

from flask import Flask

from .extensions import limiter


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
