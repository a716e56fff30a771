"""Rate limits counted on the cache backend's own storage{% if cookiecutter.cache_backend in ["redis", "memcached"] %}, and what an outage of it does{% endif %}."""

import secrets
{%- if cookiecutter.cache_backend in ["redis", "memcached"] %}
from pathlib import Path
{%- endif %}

import pytest

from {{ cookiecutter.package_name }}.caching import BACKEND_NAME
from {{ cookiecutter.package_name }}.extensions import limiter
from tests.integration.conftest import unavailable
{%- if cookiecutter.cache_backend in ["redis", "memcached"] %}
from tests.servers import free_port, wait_for
{%- endif %}

from ..account_helpers import log_in

pytestmark = pytest.mark.integration

# The backends with a server every process shares; the others count in the database.
STORAGE_SCHEMES = {"redis": "redis", "memcached": "memcached"}


def failed_login(client):
    return log_in(client, "nobody@example.org", "not-a-password-at-all").status_code


def client_from_a_fresh_address(app):
    """Counts on a shared server outlive the test: each run comes from its own address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.7"
    return client


def test_limits_are_counted_on_the_backends_storage(make_app, real_cache_settings):
    settings = {
        **real_cache_settings,
        "RATELIMIT_STORAGE_URI": "",
        "AUTH_RATE_LIMIT": "2 per minute",
    }
    app = make_app(**settings)
    uri = app.config["RATELIMIT_STORAGE_URI"]
    expected = STORAGE_SCHEMES.get(BACKEND_NAME, "database")
{%- if cookiecutter.cache_backend == "memcached" %}
    if app.config["CACHE_MEMCACHED_USERNAME"]:
        expected = "database"  # Flask-Limiter's memcached client has no SASL
{%- endif %}
    assert uri.startswith(expected + "://"), uri
    with app.app_context():
        if not limiter.storage.check():
            unavailable(f"rate limit storage ({BACKEND_NAME})", f"no answer at {uri}")
    client = client_from_a_fresh_address(app)
    assert [failed_login(client) for _ in range(3)] == [200, 200, 429]
{%- if cookiecutter.cache_backend in ["redis", "memcached"] %}


def test_storage_outage_lets_requests_through_and_is_logged(make_app, tmp_path):
    dead = f"{STORAGE_SCHEMES[BACKEND_NAME]}://127.0.0.1:{free_port()}"
    app = make_app(
        RATELIMIT_STORAGE_URI=dead, AUTH_RATE_LIMIT="1 per minute", LOG_DIR=str(tmp_path)
    )
    client = app.test_client()
    # Never a 500 and never a lockout: each attempt is answered as if there were no limit.
    assert [failed_login(client) for _ in range(3)] == [200, 200, 200]
    log = Path(tmp_path, "errors.log")
    assert wait_for(lambda: log.exists() and "Failed to rate limit" in log.read_text())
{%- endif %}
