"""Flask commands: `flask seed` and `flask cache clear`."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from .extensions import cache, db
from .models import Task
from .tasks.statistics import tasks_changed

DEMO_TASKS = (
    ("Read the README", "Run, configure, migrate and test the project.", True),
    ("Pick a cache backend", "Set the cache variables of your backend in .env.", False),
    ("Deploy", "Serve it with gunicorn and APP_ENV=production.", False),
)


@click.command("seed")
@with_appcontext
@click.option("--count", default=len(DEMO_TASKS), show_default=True, help="Tasks to add.")
def seed_command(count: int) -> None:
    """Add demo tasks."""
    for number in range(count):
        title, description, done = DEMO_TASKS[number % len(DEMO_TASKS)]
        if number >= len(DEMO_TASKS):
            title = f"{title} ({number + 1})"
        db.session.add(Task(title=title, description=description, done=done))
    db.session.commit()
    tasks_changed()
    click.echo(f"Added {count} demo tasks.")


cache_cli = AppGroup("cache", help="Manage this app's cache.")


@cache_cli.command("clear")
def clear_cache() -> None:
    """Remove this app's cached entries, of every release (other apps keep theirs)."""
    prefix = current_app.config["CACHE_KEY_PREFIX"]
    try:
        cleared = cache.cache.backend.clear()
    except Exception as error:
        raise click.ClickException(
            f"Could not clear the cache: {type(error).__name__}: {error}"
        ) from error
    if not cleared:
        raise click.ClickException("The cache backend did not confirm the clear.")
    click.echo(f"Cleared the cache entries of {prefix!r}.")
