"""Progress indication on long steps, shown only when stderr is a terminal.

Families may wrap a long loop (secret scan, dependency audit, migrations) in
:func:`progress`; in CI logs and pipes it is a no-op, so output stays clean.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

import click

T = TypeVar("T")


def interactive() -> bool:
    """True when progress may be drawn: stderr is a terminal and ``NO_COLOR``/CI do not forbid it."""
    if os.environ.get("AUDITOR_NO_PROGRESS"):
        return False
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress(items: Iterable[T], label: str, length: int | None = None) -> Iterator[T]:
    """Yield ``items``, drawing a progress bar on a terminal (stderr) while doing so."""
    if not interactive():
        yield from items
        return
    with click.progressbar(
        items,
        length=length,
        label=label,
        file=sys.stderr,
        color=not os.environ.get("NO_COLOR"),
        show_pos=True,
    ) as bar:
        yield from bar


def step(label: str, index: int, total: int) -> None:
    """Announce step ``index`` of ``total`` on a terminal (e.g. one family of the audit)."""
    if interactive():
        click.echo(f"[{index}/{total}] {label}…", err=True)
