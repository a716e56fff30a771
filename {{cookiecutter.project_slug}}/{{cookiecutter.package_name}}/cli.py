"""Flask commands: `flask seed` and `flask cache clear`."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from flask_caching.backends import NullCache, SimpleCache
from sqlalchemy import select

from .caching.front import page_front
from .extensions import cache, db
from .models import Task
from .tasks.statistics import tasks_changed

DEMO_TASKS = (
    ("Read the README", "Run, configure, migrate and test the project.", True),
    ("Pick a cache backend", "Set the cache variables of your backend in .env.", False),
    ("Deploy", "Serve it with gunicorn and APP_ENV=production.", False),
)


def demo_task(number: int) -> Task:
    """The demo task `number` (from 0); past the list, the titles are numbered."""
    title, description, done = DEMO_TASKS[number % len(DEMO_TASKS)]
    if number >= len(DEMO_TASKS):
        title = f"{title} ({number + 1})"
    return Task(title=title, description=description, done=done)


@click.command("seed")
@with_appcontext
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=len(DEMO_TASKS),
    show_default=True,
    help="Demo tasks wanted in all.",
)
def seed_command(count: int) -> None:
    """Add the demo tasks that are missing (running it again adds nothing)."""
    wanted = [demo_task(number) for number in range(count)]
    # A demo task is recognised by its title among the tasks nobody owns, so a user's
    # own task called "Deploy" does not count as one.
    present = set(
        db.session.scalars(
            select(Task.title).where(
                Task.owner_id.is_(None), Task.title.in_([task.title for task in wanted])
            )
        )
    )
    missing = [task for task in wanted if task.title not in present]
    if not missing:
        click.echo(f"The {count} demo tasks are already there; nothing added.")
        return
    db.session.add_all(missing)
    db.session.commit()
    tasks_changed()
    already = f" ({len(present)} were already there)" if present else ""
    click.echo(f"Added {len(missing)} demo tasks{already}.")


cache_cli = AppGroup("cache", help="Manage this app's cache.")


@cache_cli.command("clear")
def clear_cache() -> None:
    """Remove this app's cached entries, of every release (other apps keep theirs)."""
    prefix = current_app.config["CACHE_KEY_PREFIX"]
    backend = cache.cache.backend
    try:
        cleared = backend.clear()
    except Exception as error:
        raise click.ClickException(
            f"Could not clear the cache: {type(error).__name__}: {error}"
        ) from error
    if not cleared:
        raise click.ClickException("The cache backend did not confirm the clear.")
    # This process's copies of pages go too; a running server's within CLEAR_CHECK_SECONDS,
    # once it sees that the clear removed the page front's generation token (front.py).
    # Its micro-cached values (caching/tiers.py) expire within MICRO_CACHE_TIMEOUT.
    front = page_front(current_app)
    if front is not None:
        front.local.clear()
    # Decided by the backend object, not the project's choice: the tests run on
    # SimpleCache whatever backend the project uses.
    if isinstance(backend, NullCache):
        click.echo("Caching is off (NullCache): there was nothing to clear.")
    elif isinstance(backend, SimpleCache):
        click.echo(
            "Cleared only the in-process cache of this flask command: SimpleCache is not "
            "shared between processes, so running servers keep their entries until they "
            "are restarted (or the entries expire)."
        )
    else:
        click.echo(f"Cleared the cache entries of {prefix!r}.")
