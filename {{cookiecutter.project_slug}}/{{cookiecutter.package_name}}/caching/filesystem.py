"""FileSystemCache: one file per key under CACHE_DIR, shared by the workers of one machine."""

import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from flask_caching.backends.filesystemcache import FileSystemCache

from ..env import EnvReader
from .keys import release_prefix

BACKEND_NAME = "filesystem"
# Whether every worker process sees the same entries.
SHARED_BETWEEN_PROCESSES = True


def backend_settings(env: EnvReader) -> dict[str, Any]:
    default_dir = Path(tempfile.gettempdir()) / "{{ cookiecutter.package_name }}-cache"
    return {
        "CACHE_BACKEND": f"{__name__}.ReleaseFileSystemCache",
        # The directory belongs to this app alone: clearing the cache empties it.
        "CACHE_DIR": env.text("CACHE_DIR", str(default_dir)),
        # At most this many files; beyond it, expired and then the oldest entries go.
        "CACHE_THRESHOLD": env.integer("CACHE_THRESHOLD", 500, minimum=1),
    }


class ReleaseFileSystemCache(FileSystemCache):
    """FileSystemCache whose file names include the release: a deploy starts afresh."""

    key_prefix = ""

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> "ReleaseFileSystemCache":
        cache = super().factory(app, config, args, kwargs)
        cache.key_prefix = release_prefix(config)
        return cache

    # cachelib's hook for every file name (and its count file's name): pinned in
    # pyproject.toml, checked by tests/test_filesystem_cache.py.
    def _get_filename(self, key: str) -> str:
        if key == self._fs_count_file:  # the file count is shared by every release
            return super()._get_filename(key)
        return super()._get_filename(self.key_prefix + key)


def rate_limit_storage(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Flask-Limiter's storage: the app's database (limit_storage.py), which every worker
    and machine shares and this cache (files on one machine) does not."""
    return "database://", {}
