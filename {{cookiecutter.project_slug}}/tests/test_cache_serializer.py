"""CACHE_SERIALIZER, Flask-Caching's setting, reaches the backend behind the fail-safe
wrapper; a value the serializer cannot write is not cached, and is no outage."""

import pickle

from cachelib.serializers import JSONSerializer

from {{ cookiecutter.package_name }}.extensions import cache


class Unpicklable:
    """pickle refuses it with PicklingError, which cachelib's serializers answer with None."""

    def __reduce__(self):
        raise pickle.PicklingError("not this one")


def test_configured_serializer_writes_the_values(make_app):
    app = make_app(CACHE_SERIALIZER=JSONSerializer)
    with app.app_context():
        assert isinstance(cache.cache.serializer, JSONSerializer)
        cache.set("pair", (1, 2))
        assert cache.get("pair") == [1, 2]  # through JSON, a tuple comes back as a list


def test_value_the_serializer_cannot_write_is_not_cached(make_app):
    app = make_app(CACHE_SERIALIZER=JSONSerializer)
    with app.app_context():
        assert cache.set("tags", {"a", "b"}) is False  # JSON has no sets
        assert cache.get("tags") is None
        assert cache.cache.available is True
        assert cache.set("tags", ["a", "b"]) is True
        assert cache.get("tags") == ["a", "b"]


def test_value_the_default_serializer_cannot_pickle_is_no_outage(app):
    with app.app_context():
        assert cache.set("unpicklable", Unpicklable()) is False
        assert cache.get("unpicklable") is None
        assert cache.cache.available is True
