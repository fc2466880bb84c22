"""The one base of the tool's domain errors."""

from __future__ import annotations


class AuditorError(Exception):
    """The run could not be completed: the CLI and the hook show one line and exit 2.

    Every user-facing error of the tool subclasses it (keeping its own base, e.g.
    ``ValueError``, so that existing ``except`` clauses still match). Exceptions used
    for control flow inside a module (a skipped probe, a line too long to scan) do not.
    """
