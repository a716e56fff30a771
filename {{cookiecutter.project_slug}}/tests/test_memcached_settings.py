import pytest

from {{ cookiecutter.package_name }}.settings import ConfigError, load_settings


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
