"""FileSystemCache: one file per key under CACHE_DIR, shared by the workers of one machine."""

import tempfile
from pathlib import Path
from typing import Any

from ..env import EnvReader

BACKEND_NAME = "filesystem"
# Whether every worker process sees the same entries.
SHARED_BETWEEN_PROCESSES = True


def backend_settings(env: EnvReader) -> dict[str, Any]:
    default_dir = Path(tempfile.gettempdir()) / "{{ cookiecutter.package_name }}-cache"
    return {
        "CACHE_BACKEND": "flask_caching.backends.FileSystemCache",
        # The directory belongs to this app alone: clearing the cache empties it.
        "CACHE_DIR": env.str("CACHE_DIR", str(default_dir)),
        "CACHE_THRESHOLD": env.int("CACHE_THRESHOLD", 500, minimum=1),
    }
