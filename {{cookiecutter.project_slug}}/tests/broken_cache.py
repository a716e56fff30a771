"""A cache backend whose server is always down, for outage tests without a server."""

from flask_caching.backends.base import BaseCache


class BackendDownError(ConnectionError):
    pass


class BrokenCache(BaseCache):
    calls = 0

    @classmethod
    def factory(cls, app, config, args, kwargs):
        return cls(*args, **kwargs)

    def _fail(self, *args, **kwargs):
        type(self).calls += 1
        raise BackendDownError("connection refused")

    get = set = add = delete = has = clear = get_many = set_many = delete_many = _fail
    inc = dec = get_dict = _fail
