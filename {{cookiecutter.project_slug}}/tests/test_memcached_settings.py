import pytest

from {{ cookiecutter.package_name }}.caching import memcached
from {{ cookiecutter.package_name }}.env import ConfigError
from {{ cookiecutter.package_name }}.settings import load_settings
from tests.servers import free_port


def test_memcached_servers_is_a_comma_list():
    settings = load_settings({"MEMCACHED_SERVERS": "10.0.0.1:11211, 10.0.0.2:11211"})
    assert settings["CACHE_MEMCACHED_SERVERS"] == ["10.0.0.1:11211", "10.0.0.2:11211"]
    assert settings["CACHE_MEMCACHED_USERNAME"] is None


def test_sasl_credentials_come_from_memcached_variables():
    settings = load_settings(
        {
            "MEMCACHED_SERVERS": "cache:11211",
            "MEMCACHED_USERNAME": "app",
            "MEMCACHED_PASSWORD": "secret",
        }
    )
    assert settings["CACHE_MEMCACHED_USERNAME"] == "app"
    assert settings["CACHE_MEMCACHED_PASSWORD"] == "secret"


def test_memcachier_variables_are_used_on_heroku():
    settings = load_settings(
        {
            "MEMCACHIER_SERVERS": "mc1.memcachier.test:11211,mc2.memcachier.test:11211",
            "MEMCACHIER_USERNAME": "heroku-user",
            "MEMCACHIER_PASSWORD": "heroku-pass",
        }
    )
    assert len(settings["CACHE_MEMCACHED_SERVERS"]) == 2
    assert settings["CACHE_MEMCACHED_USERNAME"] == "heroku-user"
    assert settings["CACHE_MEMCACHED_PASSWORD"] == "heroku-pass"


@pytest.mark.parametrize("servers", ["", " , ", "cache-without-port", "cache:port"])
def test_bad_server_lists_are_refused(servers):
    with pytest.raises(ConfigError, match="MEMCACHED_SERVERS"):
        load_settings({"MEMCACHED_SERVERS": servers})


class DictClient:
    """The few memcached commands the cache sends, kept in a dict."""

    def __init__(self):
        self.stored = {}

    def get(self, key):
        return self.stored.get(key)

    def add(self, key, value, timeout=0):
        return self.stored.setdefault(key, value) == value

    def set(self, key, value, timeout=0):
        self.stored[key] = value
        return True

    def incr(self, key, delta):
        self.stored[key] = str(int(self.stored[key]) + delta)
        return int(self.stored[key])


def test_every_key_carries_the_namespace_generation():
    client = DictClient()
    backend = memcached.BinaryMemcachedCache(client, key_prefix="app:1:", namespace="app:")
    backend.set("page", "rendered")
    assert "app:1:0:page" in client.stored
    assert backend.clear()
    assert backend.get("page") is None
    backend.set("page", "again")
    assert "app:1:1:page" in client.stored


@pytest.mark.parametrize(
    "key",
    ["k" * 251, "with space", "tab\tand\nnewline", "\x00", "caf\u00e9", "\u2603" * 70, ""],
)
def test_keys_memcached_cannot_take_are_stored_under_a_digest(key):
    client = DictClient()
    backend = memcached.BinaryMemcachedCache(client, key_prefix="app:1:", namespace="app:")
    backend.set(key, "value")
    (stored,) = set(client.stored) - {"app:generation"}
    assert memcached.MEMCACHED_KEY.fullmatch(stored)
    assert backend.get(key) == "value"
    assert backend.get(key + "x") is None


def test_a_long_namespace_is_no_longer_key():
    client = DictClient()
    namespace = "n" * 250 + ":"
    backend = memcached.BinaryMemcachedCache(
        client, key_prefix=namespace + "1:", namespace=namespace
    )
    backend.set("page", "value")
    assert all(memcached.MEMCACHED_KEY.fullmatch(key) for key in client.stored)
    assert backend.get("page") == "value"


def test_a_refused_connection_is_an_error_not_a_miss():
    """Relies on hooks into bmemcached's Protocol and DistributedClient: fails when a
    release of bmemcached changes them."""
    client = memcached.create_client(
        {
            "CACHE_MEMCACHED_SERVERS": [f"127.0.0.1:{free_port()}"],
            "CACHE_MEMCACHED_USERNAME": None,
            "CACHE_MEMCACHED_PASSWORD": None,
            "MEMCACHED_TIMEOUT": 0.2,
        }
    )
    with pytest.raises(ConnectionError, match="memcached 127.0.0.1"):
        client.get("anything")
