"""Cache key namespaces: one per app on a shared server, one per release inside it."""

from collections.abc import Mapping
from typing import Any


def app_namespace(config: Mapping[str, Any]) -> str:
    """Every key of this app starts with it; `flask cache clear` removes exactly these."""
    return config["CACHE_KEY_PREFIX"]


def release_prefix(config: Mapping[str, Any]) -> str:
    """The prefix of this release's keys: after a deploy, pages rendered by the old
    code are never served; they expire on their own or go with `flask cache clear`."""
    return f"{app_namespace(config)}{config['APP_VERSION']}:"
