"""Commands whose code is imported when first used, not when the app is built.

Every worker and every `flask` command builds the app; few of them run a given command.
A command group whose libraries are slow to import (Alembic's) is declared here by name,
so `flask --help` lists it and only the process that runs it pays for the import.
"""

from importlib import import_module
from typing import Any

import click


def load(target: str) -> Any:
    """The object `target` names, as "package.module:name"."""
    module, _, name = target.partition(":")
    return getattr(import_module(module), name)


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
