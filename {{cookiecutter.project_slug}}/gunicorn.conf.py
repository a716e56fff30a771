"""gunicorn settings from the environment; `gunicorn wsgi:app` reads this file itself.

Each variable has a default fit for a small production deploy (the README's Deploy section
lists them); command-line options and GUNICORN_CMD_ARGS override them. A bad value stops
gunicorn with one line naming the variable. This file is read before the app is imported,
so it uses the standard library and gunicorn only.

Forwarded headers (X-Forwarded-Proto, and SCRIPT_NAME or PATH_INFO sent as headers) are
trusted only from the proxies listed in FORWARDED_ALLOW_IPS: none unless set. gunicorn's
own default trusts loopback, which lets anything on the machine (or a proxy that passes
client headers through) move the app under another script root, so that its pages link
to another site. gunicorn never reads X-Forwarded-For: the app does, with PROXY_COUNT.
"""

import gc
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from gunicorn.glogging import Logger

WORKER_CLASSES = ("sync", "gthread", "gevent")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
# The app's console format (logs.PLAIN_FORMAT), for what gunicorn's master logs.
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Apache's combined format with the duration, less the time (each log line starts with it).
ACCESS_LOG_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'


class SettingError(ValueError):
    """A variable's value is invalid; the message names it."""


class WithoutAccessLog(Logger):
    """gunicorn's logger when GUNICORN_ACCESS_LOG is off. Given a logging config (this file
    gives one), gunicorn builds every request's access line (its time, headers and
    environ: tens of microseconds) before asking whether anything writes it."""

    def access(self, resp: Any, req: Any, environ: Any, request_time: Any) -> None:
        return None


{% if cookiecutter.cache_backend == "simple" -%}
# The simple cache lives in each process: with a second worker, a change made through
# one would leave the other serving the old figures until they expire. So one worker
# (threads give it concurrency: GUNICORN_WORKER_CLASS=gthread); more once the cache is
# shared (filesystem, Redis or Memcached).
DEFAULT_WORKERS = 1
{% else -%}
DEFAULT_WORKERS = 2
{% endif %}

def gunicorn_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """gunicorn's settings, by their names in its documentation, from an environment."""
    access_log = flag(environ, "GUNICORN_ACCESS_LOG", default=True)
    worker_class = choice(environ, "GUNICORN_WORKER_CLASS", WORKER_CLASSES, "sync")
    if worker_class == "gevent" and importlib.util.find_spec("gevent") is None:
        raise SettingError("GUNICORN_WORKER_CLASS=gevent needs gevent: pip install '.[gevent]'.")
    if worker_class != "gthread" and environ.get("GUNICORN_THREADS", "").strip():
        raise SettingError("GUNICORN_THREADS is for GUNICORN_WORKER_CLASS=gthread only.")
    return {
        # Docker and Heroku set PORT and expect the app on every interface of the container.
        # Without PORT, only this machine can connect: a server started by hand on a laptop
        # or a shared host is not exposed to the network by accident.
        "bind": (
            f"0.0.0.0:{number(environ, 'PORT', 8000, minimum=1, maximum=65535)}"
            if environ.get("PORT", "").strip()
            else "127.0.0.1:8000"
        ),
        # Not a multiple of os.cpu_count(): in a container that counts the host's CPUs, not
        # the container's share, and each worker holds its own app and database pool.
        # (gunicorn reads WEB_CONCURRENCY too, before this file: a value that is not a
        # number stops it with a traceback.)
        "workers": number(environ, "WEB_CONCURRENCY", DEFAULT_WORKERS, minimum=1),
        "worker_class": worker_class,
        "threads": (
            number(environ, "GUNICORN_THREADS", 4, minimum=1) if worker_class == "gthread" else 1
        ),
        # Heroku's router gives up on a request after 30 s: no use working on it longer.
        "timeout": number(environ, "GUNICORN_TIMEOUT", 30, minimum=1),
        # Heroku sends SIGKILL 30 s after SIGTERM (Docker 10 s, unless stop_grace_period
        # says more): requests in progress get this long to finish.
        "graceful_timeout": number(environ, "GUNICORN_GRACEFUL_TIMEOUT", 25, minimum=0),
        # Seconds an idle connection is kept open (gthread and gevent; sync closes each).
        "keepalive": number(environ, "GUNICORN_KEEPALIVE", 5, minimum=0),
        # A worker is replaced after this many requests (0: never), which bounds what a
        # leak can grow to; the jitter keeps the workers from restarting all at once. Not
        # lower: a new worker starts with empty caches and pools (and builds the app again
        # when GUNICORN_PRELOAD is off), and a cached page is served in about a
        # millisecond, so 1000 would restart a busy worker every second or two.
        "max_requests": number(environ, "GUNICORN_MAX_REQUESTS", 10000, minimum=0),
        "max_requests_jitter": number(environ, "GUNICORN_MAX_REQUESTS_JITTER", 1000, minimum=0),
        # On: the master builds the app once and forks it, so the workers share the
        # memory of its code (a third less each) and a new worker starts at once. Each
        # worker opens its own database and cache connections, and the log queues'
        # threads are started again in each (database.py, logs/handlers.py). A HUP then
        # reloads the settings but keeps the old code: deploy by restarting gunicorn, or
        # turn this off to have each worker build its own app. Off by default for gevent,
        # which patches the standard library in each worker after the fork: a preloaded
        # app would keep the unpatched locks and sockets it made before.
        "preload_app": flag(environ, "GUNICORN_PRELOAD", default=worker_class != "gevent"),
        # gunicorn itself refuses a value that is not addresses or networks (or *).
        "forwarded_allow_ips": environ.get("FORWARDED_ALLOW_IPS", "").strip(),
        # gunicorn's control socket sits at one path per user: a second app (or a test run)
        # on the machine would take it over.
        "control_socket_disable": not flag(environ, "GUNICORN_CONTROL_SOCKET", default=False),
        # The app's LOG_LEVEL, for gunicorn's own messages too.
        "loglevel": choice(environ, "LOG_LEVEL", LOG_LEVELS, "INFO").lower(),
        "access_log_format": ACCESS_LOG_FORMAT,
        "logconfig_dict": logging_config(access_log),
        # Only when it is off: with its own logger class, gunicorn switches to statsd's
        # when --statsd-host is given.
        **({} if access_log else {"logger_class": WithoutAccessLog}),
    }


def logging_config(access_log: bool) -> dict[str, Any]:
    """gunicorn's loggers get no handlers of their own: their records go to the root
    logger's, which are the app's once it is built (logs/): the same format,
    files and error reports as the app's own records. Until then, and in the master
    (which builds no app when GUNICORN_PRELOAD is off), the console in the app's format."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"propagate": True},
            # Access lines are logged at INFO.
            "gunicorn.access": {"propagate": True, "level": "INFO" if access_log else "WARNING"},
        },
        "root": {"handlers": ["console"]},
    }


def number(
    environ: Mapping[str, str], name: str, default: int, minimum: int, maximum: int | None = None
) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise SettingError(f"{name} must be at least {minimum}, not {value}.")
    if maximum is not None and value > maximum:
        raise SettingError(f"{name} must be at most {maximum}, not {value}.")
    return value


def flag(environ: Mapping[str, str], name: str, default: bool) -> bool:
    word = environ.get(name, "").strip().lower()
    if not word:
        return default
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise SettingError(f"{name} must be true or false, not {word!r}.")


def choice(environ: Mapping[str, str], name: str, choices: Sequence[str], default: str) -> str:
    value = environ.get(name, "").strip() or default
    if value not in choices:
        raise SettingError(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def pre_fork(server: Any, worker: Any) -> None:
    """gunicorn's server hook, in the master just before it forks a worker: the objects
    of the preloaded app move to the garbage collector's permanent generation (Python's
    gc.freeze() docs advise it before a fork). A worker's full collections then leave
    them alone: otherwise each one writes to every object it walks, and the pages the
    worker shared with the master become its own copies, under load, a few at a time."""
    gc.freeze()


try:
    # gunicorn takes its settings from this module's names: bind, workers, ...
    globals().update(gunicorn_settings(os.environ))
except SettingError as error:
    sys.exit(f"gunicorn.conf.py: {error}")
