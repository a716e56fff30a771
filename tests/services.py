"""The real servers the baked projects are tested against.

Each is found through an environment variable with a loopback default. When one is
unreachable, or a program a test runs is not installed (redis-server, Chromium...), its
tests are skipped with a reason naming it, unless REQUIRE_SERVICES (or CI) is set: then
they fail, so CI never passes with a server or program missing.
"""

import os
import shutil
import socket
import subprocess
import uuid
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest

REQUIRE_SERVICES = any(
    os.environ.get(name, "").lower() in {"1", "true", "yes"} for name in ("REQUIRE_SERVICES", "CI")
)

REDIS_URL = os.environ.get("FORGE_REDIS_URL", "redis://127.0.0.1:6379/0")
MEMCACHED_SERVERS = os.environ.get("FORGE_MEMCACHED_SERVERS", "127.0.0.1:11211")
MEMCACHED_SASL_SERVERS = os.environ.get("FORGE_MEMCACHED_SASL_SERVERS", "127.0.0.1:11212")
MEMCACHED_SASL_USERNAME = os.environ.get("FORGE_MEMCACHED_SASL_USERNAME", "forge")
MEMCACHED_SASL_PASSWORD = os.environ.get("FORGE_MEMCACHED_SASL_PASSWORD", "forge-secret")
POSTGRES_URL = os.environ.get("FORGE_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_URL = os.environ.get("FORGE_MYSQL_URL", "mysql://root@127.0.0.1:3306/")
RABBITMQ_URL = os.environ.get("FORGE_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def require(service, reachable, where):
    if not reachable:
        missing(f"{service} is not reachable at {where}")


def require_binary(program, name=None, hint=None):
    """The full path of program, a command looked up on PATH or a path to an executable.

    When it cannot be run, the test is skipped (failed where services are required) with a
    reason naming it, before it gets as far as a FileNotFoundError halfway through.
    """
    found = shutil.which(program)
    if found:
        return found
    where = f"at {program}" if os.sep in program else "(not on PATH)"
    message = f"{name or program} is not installed {where}"
    missing(f"{message} ({hint})" if hint else message)


def require_docker(image=None):
    """The docker client's path, once its daemon answers and holds image (when named)."""
    docker = require_binary("docker")
    if not _docker_answers(docker, "info"):
        missing("the Docker daemon does not answer (`docker info` fails; .ci/docker.sh starts one)")
    if image and not _docker_answers(docker, "image", "inspect", image):
        missing(f"the Docker image {image} is not there (.ci/docker.sh builds it)")
    return docker


def _docker_answers(docker, *command):
    try:
        done = subprocess.run([docker, *command], capture_output=True, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def missing(message):
    """Skip the test with message, or fail it when services are required."""
    if REQUIRE_SERVICES:
        pytest.fail(message + " (services are required: REQUIRE_SERVICES/CI is set)", pytrace=False)
    pytest.skip(message)


def port_open(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def host_port(url, default_port):
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def require_redis():
    require("Redis", port_open(*host_port(REDIS_URL, 6379)), REDIS_URL)


def require_rabbitmq():
    require("RabbitMQ", port_open(*host_port(RABBITMQ_URL, 5672)), RABBITMQ_URL)


def require_memcached(servers):
    host, _, port = servers.split(",")[0].rpartition(":")
    require("Memcached", port_open(host, int(port)), servers)


@contextmanager
def fresh_database(kind):
    """Create an empty database on the PostgreSQL or MariaDB server; drop it afterwards."""
    server = SERVER_DATABASES[kind]
    require(server["service"], port_open(*host_port(server["url"], server["port"])), server["url"])
    name = f"test_forge_{uuid.uuid4().hex[:12]}"
    with server["admin"]() as admin:
        admin.execute(server["create"].format(name=name))
    try:
        yield urlsplit(server["url"])._replace(path="/" + name).geturl()
    finally:
        with server["admin"]() as admin:
            admin.execute(server["drop"].format(name=name))


@contextmanager
def _postgres_admin():
    import psycopg

    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as connection:
        yield connection


@contextmanager
def _mysql_admin():
    import pymysql

    parts = urlsplit(MYSQL_URL)
    connection = pymysql.connect(
        host=parts.hostname,
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        connect_timeout=5,
        autocommit=True,
    )
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


SERVER_DATABASES = {
    "postgresql": {
        "service": "PostgreSQL",
        "url": POSTGRES_URL,
        "port": 5432,
        "admin": _postgres_admin,
        "create": 'CREATE DATABASE "{name}"',
        "drop": 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
    },
    "mysql": {
        "service": "MariaDB/MySQL",
        "url": MYSQL_URL,
        "port": 3306,
        "admin": _mysql_admin,
        "create": "CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
        "drop": "DROP DATABASE IF EXISTS `{name}`",
    },
}
