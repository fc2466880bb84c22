"""A click group whose subcommands are imported only when they are used.

``auditor secrets scan`` should not pay for importing psycopg, sqlglot, jinja2 and
pip-audit through every other command module. A :class:`LazyGroup` knows its
subcommands as ``name -> "module:attribute"`` and imports a module in
:meth:`LazyGroup.get_command`, the first time that command is resolved (to run it
or to show its help). Listing the commands (``auditor --help``, "did you mean")
needs only the names; the one-line help of ``auditor --help`` imports each module.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import click


def load_command(target: str) -> click.Command:
    """The click command at ``"package.module:attribute"``."""
    module_name, _, attribute = target.partition(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{target} is not a click command")
    return command


class LazyCommands(MutableMapping[str, click.Command]):
    """``Group.commands`` that imports a lazy command on first access by name.

    Iterating (names, ``len``, "did you mean" suggestions) imports nothing; getting a
    value (``commands[name]``, ``.get``, ``.items()``) imports that command's module.
    """

    def __init__(self, lazy: Mapping[str, str], loaded: Mapping[str, click.Command]) -> None:
        self._lazy = dict(lazy)
        self._loaded = dict(loaded)

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            self._loaded[name] = load_command(self._lazy[name])  # KeyError: no such command
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command
        self._lazy.pop(name, None)

    def __delitem__(self, name: str) -> None:
        if name not in self._loaded and name not in self._lazy:
            raise KeyError(name)
        self._loaded.pop(name, None)
        self._lazy.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        yield from self._loaded
        yield from (name for name in self._lazy if name not in self._loaded)

    def __len__(self) -> int:
        return len(self._loaded.keys() | self._lazy.keys())

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in self._lazy


class LazyGroup(click.Group):
    """A group with subcommands given as ``{"name": "module:attribute"}``, imported on use."""

    def __init__(
        self, *args: Any, lazy_subcommands: Mapping[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(lazy_subcommands or {}, self.commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every subcommand's name, sorted, without importing any of them."""
        return sorted(self.commands)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The subcommand ``cmd_name``, importing its module the first time (None: unknown)."""
        if cmd_name not in self.commands:
            return None
        return self.commands[cmd_name]
