"""FileSystemCache: one file per key under CACHE_DIR, shared by the workers of one machine."""

import tempfile
from pathlib import Path
from typing import Any

from cachelib.serializers import BaseSerializer
from flask import Flask
from flask_caching.backends.base import BaseCache
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


class ReleaseFileSystemCache(BaseCache):
    """Flask-Caching's FileSystemCache behind this release's key prefix: a deploy starts
    afresh. FileSystemCache has no prefix of its own, so the keys get it here; the
    threshold, the expiry and the clear of the whole directory stay FileSystemCache's."""

    def __init__(self, files: FileSystemCache, key_prefix: str) -> None:
        super().__init__(files.default_timeout, files.ignore_delete_many_errors)
        self.files = files
        self.key_prefix = key_prefix

    @classmethod
    def factory(
        cls, app: Flask, config: dict[str, Any], args: list[Any], kwargs: dict[str, Any]
    ) -> "ReleaseFileSystemCache":
        return cls(FileSystemCache.factory(app, config, args, kwargs), release_prefix(config))

    @property
    def serializer(self) -> BaseSerializer:
        return self.files.serializer

    @serializer.setter
    def serializer(self, serializer: BaseSerializer) -> None:
        self.files.serializer = serializer

    def _file_key(self, key: str) -> str:
        return self.key_prefix + key

    def _key(self, file_key: str) -> str:
        return file_key[len(self.key_prefix) :]

    def get(self, key: str) -> Any:
        return self.files.get(self._file_key(key))

    def get_many(self, *keys: str) -> list[Any]:
        return self.files.get_many(*map(self._file_key, keys))

    def has(self, key: str) -> bool:
        return self.files.has(self._file_key(key))

    def set(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self.files.set(self._file_key(key), value, timeout)

    def add(self, key: str, value: Any, timeout: int | None = None) -> bool:
        return self.files.add(self._file_key(key), value, timeout)

    def set_many(self, mapping: dict[str, Any], timeout: int | None = None) -> list[Any]:
        values = {self._file_key(key): value for key, value in mapping.items()}
        return [self._key(key) for key in self.files.set_many(values, timeout)]

    def delete(self, key: str) -> bool:
        return self.files.delete(self._file_key(key))

    def delete_many(self, *keys: str) -> list[Any]:
        return [self._key(key) for key in self.files.delete_many(*map(self._file_key, keys))]

    def inc(self, key: str, delta: int = 1) -> int | None:
        return self.files.inc(self._file_key(key), delta)

    def dec(self, key: str, delta: int = 1) -> int | None:
        return self.files.dec(self._file_key(key), delta)

    def clear(self) -> bool:
        return self.files.clear()


def rate_limit_storage(config: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Flask-Limiter's storage: the app's database (limit_storage.py), which every worker
    and machine shares and this cache (files on one machine) does not."""
    return "database://", {}
