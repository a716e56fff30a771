"""Flask-Limiter on the cache backend's storage (a 429 gets the shared error page)."""

from flask import Flask

from .caching import rate_limit_storage
from .extensions import limiter


def init_rate_limiting(app: Flask) -> None:
    config = app.config
    if not config.get("RATELIMIT_STORAGE_URI"):
        uri, options = rate_limit_storage(config)
        config["RATELIMIT_STORAGE_URI"] = uri
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", options)
    # Several apps may share one Redis or Memcached: keep their counters apart.
    config.setdefault("RATELIMIT_KEY_PREFIX", f"{config['CACHE_KEY_PREFIX']}limits")
    limiter.init_app(app)
    # The limits are on the decorated views, whose decorator checks them; there are no
    # default or application-wide limits. The check Flask-Limiter hooks onto every
    # request would only cost time on every page, so it is taken off.
    hooks = app.before_request_funcs.setdefault(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)
