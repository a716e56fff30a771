"""gunicorn.conf.py: its settings from an environment mapping, as gunicorn takes them."""

import gc
import importlib.util
import logging
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger

from {{ cookiecutter.package_name }}.logs import PLAIN_FORMAT

CONF_PATH = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
DEFAULTS = {
    "bind": "127.0.0.1:8000",
    "workers": {{ 1 if cookiecutter.cache_backend == "simple" else 2 }},  # see DEFAULT_WORKERS
    "worker_class": "sync",
    "threads": 1,
    "timeout": 30,
    "graceful_timeout": 25,
    "keepalive": 5,
    "max_requests": 10000,
    "max_requests_jitter": 1000,
    "preload_app": True,
    "forwarded_allow_ips": "",
    "control_socket_disable": True,
    "loglevel": "info",
}
LOG_LINE_START = r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} "


def load_conf():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", CONF_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


conf = load_conf()


def gunicorn_config(environ):
    """gunicorn's Config with this file's settings, each checked by gunicorn's validator."""
    config = Config()
    for name, value in conf.gunicorn_settings(environ).items():
        config.set(name, value)
    return config


def test_defaults():
    settings = conf.gunicorn_settings({})
    assert {name: settings[name] for name in DEFAULTS} == DEFAULTS
    config = gunicorn_config({})
    assert config.worker_class_str == "sync"
    assert config.bind == ["127.0.0.1:8000"]


def test_overrides():
    environ = {
        "PORT": "5000",
        "WEB_CONCURRENCY": "3",
        "GUNICORN_WORKER_CLASS": "gthread",
        "GUNICORN_THREADS": "8",
        "GUNICORN_TIMEOUT": "60",
        "GUNICORN_GRACEFUL_TIMEOUT": "10",
        "GUNICORN_KEEPALIVE": "75",
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_MAX_REQUESTS_JITTER": "0",
        "GUNICORN_PRELOAD": "false",
        "FORWARDED_ALLOW_IPS": "10.0.0.0/8, 192.0.2.1",
        "GUNICORN_CONTROL_SOCKET": "1",
        "LOG_LEVEL": "WARNING",
    }
    config = gunicorn_config(environ)
    assert config.bind == ["0.0.0.0:5000"]
    assert config.workers == 3
    assert config.worker_class_str == "gthread"
    assert config.threads == 8
    assert (config.timeout, config.graceful_timeout, config.keepalive) == (60, 10, 75)
    assert (config.max_requests, config.max_requests_jitter) == (0, 0)
    assert config.preload_app is False
    assert config.forwarded_allow_ips == ["10.0.0.0/8", "192.0.2.1"]
    assert config.control_socket_disable is False
    assert config.loglevel == "warning"


def test_gthread_has_four_threads_by_default():
    assert gunicorn_config({"GUNICORN_WORKER_CLASS": "gthread"}).threads == 4


def test_gevent_is_used_when_installed(monkeypatch):
    monkeypatch.setattr(conf, "importlib", finding_modules(found=True))
    settings = conf.gunicorn_settings({"GUNICORN_WORKER_CLASS": "gevent"})
    assert settings["worker_class"] == "gevent"
    # gevent patches the standard library after the fork: no app built before it.
    assert settings["preload_app"] is False


def test_gevent_without_gevent_installed_names_the_extra(monkeypatch):
    monkeypatch.setattr(conf, "importlib", finding_modules(found=False))
    with pytest.raises(conf.SettingError, match=re.escape("pip install '.[gevent]'")):
        conf.gunicorn_settings({"GUNICORN_WORKER_CLASS": "gevent"})


def finding_modules(found):
    """Stands for the importlib module: find_spec finds every module, or none."""
    return SimpleNamespace(util=SimpleNamespace(find_spec=lambda name: object() if found else None))


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"WEB_CONCURRENCY": "abc"}, "WEB_CONCURRENCY must be a whole number, not 'abc'."),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY must be at least 1, not 0."),
        ({"PORT": "http"}, "PORT must be a whole number, not 'http'."),
        ({"PORT": "70000"}, "PORT must be at most 65535, not 70000."),
        ({"GUNICORN_TIMEOUT": "0"}, "GUNICORN_TIMEOUT must be at least 1, not 0."),
        ({"GUNICORN_KEEPALIVE": "-1"}, "GUNICORN_KEEPALIVE must be at least 0, not -1."),
        (
            {"GUNICORN_WORKER_CLASS": "eventlet"},
            "GUNICORN_WORKER_CLASS must be one of sync, gthread, gevent, not 'eventlet'.",
        ),
        ({"GUNICORN_THREADS": "4"}, "GUNICORN_THREADS is for GUNICORN_WORKER_CLASS=gthread only."),
        ({"GUNICORN_PRELOAD": "maybe"}, "GUNICORN_PRELOAD must be true or false, not 'maybe'."),
        ({"GUNICORN_ACCESS_LOG": "2"}, "GUNICORN_ACCESS_LOG must be true or false, not '2'."),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ],
)
def test_an_invalid_value_names_its_variable(environ, message):
    with pytest.raises(conf.SettingError, match=f"^{re.escape(message)}"):
        conf.gunicorn_settings(environ)


def test_an_invalid_value_stops_gunicorn_with_one_line(tmp_path):
    # Run as gunicorn runs it, as a module whose SystemExit gunicorn lets through.
    done = subprocess.run(
        [sys.executable, str(CONF_PATH)],
        env={"PATH": "", "GUNICORN_TIMEOUT": "soon"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr == "gunicorn.conf.py: GUNICORN_TIMEOUT must be a whole number, not 'soon'.\n"


def test_the_master_freezes_the_collector_before_each_fork():
    """pre_fork, gunicorn's server hook in the master: what the preloaded app made moves
    to the collector's permanent generation, which a worker's collections leave alone,
    so the memory it shares with the master stays shared (the benchmark measures it)."""
    config = Config()
    config.set("pre_fork", conf.pre_fork)  # gunicorn's own check of a server hook
    made_by_the_app = [[] for _ in range(100)]
    frozen = gc.get_freeze_count()
    config.pre_fork(None, None)
    assert gc.get_freeze_count() >= frozen + len(made_by_the_app)


def test_the_master_logs_in_the_apps_format():
    formatters = conf.gunicorn_settings({})["logconfig_dict"]["formatters"]
    assert formatters["plain"]["format"] == PLAIN_FORMAT


@pytest.mark.parametrize("access_log", ["", "false"])
def test_gunicorn_logs_through_the_apps_logging(make_app, tmp_path, access_log):
    # What gunicorn's master does with this file when it starts, then each worker's app.
    config = gunicorn_config({"GUNICORN_ACCESS_LOG": access_log})
    gunicorn_log = config.logger_class(config)
    make_app(LOG_DIR=str(tmp_path))

    serve_one_request(gunicorn_log)
    gunicorn_log.critical("WORKER TIMEOUT (pid:%s)", 4242)
    for handler in logging.getLogger().handlers:
        handler.flush()

    app_log = (tmp_path / "app.log").read_text()
    access_line = (
        LOG_LINE_START + r'INFO gunicorn\.access: 203\.0\.113\.9 "GET /tasks/\?page=2 HTTP/1\.1" '
        r'200 512 12ms "-" "curl/8\.5"$'
    )
    assert bool(re.search(access_line, app_log, re.MULTILINE)) is (access_log == "")
    error_line = LOG_LINE_START + r"CRITICAL gunicorn\.error: WORKER TIMEOUT \(pid:4242\)$"
    assert re.search(error_line, app_log, re.MULTILINE)
    assert "WORKER TIMEOUT (pid:4242)" in (tmp_path / "errors.log").read_text()


def test_no_access_line_is_built_when_the_access_log_is_off(monkeypatch):
    config = gunicorn_config({"GUNICORN_ACCESS_LOG": "false"})
    gunicorn_log = config.logger_class(config)

    def built(*args):
        raise AssertionError("an access line was built")

    monkeypatch.setattr(gunicorn_log, "atoms", built)
    serve_one_request(gunicorn_log)
    # With the access log on, gunicorn's own class (or statsd's, with --statsd-host).
    assert gunicorn_config({}).logger_class is Logger


def serve_one_request(gunicorn_log):
    """Log the access line of one request the way gunicorn's workers do."""
    response = SimpleNamespace(status="200 OK", headers=[("Content-Length", "512")], sent=512)
    request = SimpleNamespace(headers=[("USER-AGENT", "curl/8.5")])
    environ = {
        "REMOTE_ADDR": "203.0.113.9",
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/tasks/?page=2",
        "PATH_INFO": "/tasks/",
        "QUERY_STRING": "page=2",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_USER_AGENT": "curl/8.5",
    }
    gunicorn_log.access(response, request, environ, timedelta(milliseconds=12))
