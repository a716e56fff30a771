"""Engine options that depend on the database behind DATABASE_URL."""

from pathlib import Path
from typing import Any


def default_database_url(instance_path: str) -> str:
    """SQLite in the instance folder: works with nothing installed."""
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return "sqlite:///" + str(Path(instance_path) / "{{ cookiecutter.package_name }}.sqlite")


def engine_options(url: str, connect_timeout: int) -> dict[str, Any]:
    """Short connect timeouts, so a database outage answers quickly (for /status too)."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": connect_timeout}
    elif url.startswith("mysql"):
        options["connect_args"] = {"connect_timeout": connect_timeout, "charset": "utf8mb4"}
        # MySQL closes idle connections after wait_timeout; recycle well before.
        options["pool_recycle"] = 280
    return options
