"""Routes and commands whose code is imported when first used, not when the app is built.

Every worker and every `flask` command builds the app; few of them use every part of it.
A part whose libraries are slow to import (the API's validation and OpenAPI document,
Alembic) declares its routes or commands here by name, so the app has them from the
start and only the process that uses them pays for the import.
"""

import threading
from collections.abc import Callable
from importlib import import_module
from typing import Any

import click


def load(target: str) -> Any:
    """The object `target` names, as "package.module:name"."""
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


class LazyView:
    """A view function imported on its first call (Flask's "lazy loading views").

    It stays in app.view_functions: after the first call a request costs one call more.
    The page cache (caching/front.py) does not see a lazy view's @cached_page: it reads
    the routes at the first request without importing them.
    """

    def __init__(self, target: str) -> None:
        self.target = target
        # The view's names: Flask-Limiter matches the endpoint's function to its limits
        # by them, as it would the view itself.
        self.__module__, _, self.__name__ = target.partition(":")
        self.__qualname__ = self.__name__
        self._view: Callable[..., Any] | None = None
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        view = self._view
        if view is None:
            with self._lock:  # one import, whichever thread asks first
                if self._view is None:
                    self._view = load(self.target)
                view = self._view
        return view(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<LazyView {self.target}>"


class LazyGroup(click.Group):
    """A click command group imported when it runs (or shows its help), not when
    `flask --help` lists it."""

    def __init__(self, name: str, target: str, help_text: str) -> None:
        super().__init__(name, help=help_text)
        self.target = target

    def commands_group(self) -> click.Group:
        return load(self.target)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        return self.commands_group().get_params(ctx)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.commands_group().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.commands_group().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        return self.commands_group().invoke(ctx)
