"""Cache backends whose server fails on demand, for outage tests without a server."""

from flask_caching.backends.base import BaseCache
from flask_caching.backends.simplecache import SimpleCache


class BackendDownError(ConnectionError):
    pass


class BrokenCache(BaseCache):
    """A server that is always down."""

    calls = 0

    @classmethod
    def factory(cls, app, config, args, kwargs):
        return cls(*args, **kwargs)

    def _fail(self, *args, **kwargs):
        type(self).calls += 1
        raise BackendDownError("connection refused")

    get = set = add = delete = has = clear = get_many = set_many = delete_many = _fail
    inc = dec = get_dict = _fail


def _guarded(name):
    def method(self, *args, **kwargs):
        type(self).calls += 1
        if type(self).down:
            raise BackendDownError("connection refused")
        return getattr(SimpleCache, name)(self, *args, **kwargs)

    return method


class FlakyCache(SimpleCache):
    """A working in-process cache whose "server" a test can take down and bring back."""

    down = False
    calls = 0

    @classmethod
    def factory(cls, app, config, args, kwargs):
        return cls(*args, **kwargs)

    get = _guarded("get")
    set = _guarded("set")
    add = _guarded("add")
    delete = _guarded("delete")
    has = _guarded("has")
