"""Lock files the dependency audit recognises but does not read yet: finding one stops the audit.

A project that holds a ``Gemfile.lock`` or a ``Pipfile.lock`` has dependencies that
would otherwise pass unaudited, so the audit cannot be completed (exit 2) until the
file is read by another tool and excluded (``exclude`` in the configuration).
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.interface import FileSource, SourceError


class UnreadSource(FileSource):
    """Raises :class:`SourceError` naming the file: its dependencies cannot be audited."""

    def collect(self) -> Iterator[Pin]:
        raise SourceError(
            f"{self.path}: this dependency file is not read by auditor yet, so its dependencies"
            " cannot be audited; audit it with its ecosystem's tool and add it to exclude"
        )
        yield  # pragma: no cover - a generator that never yields
