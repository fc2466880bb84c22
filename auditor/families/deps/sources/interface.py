"""The dependency-source interface (after pip-audit's ``DependencySource``)."""

from __future__ import annotations

import abc
from collections.abc import Iterator
from pathlib import Path

from auditor.core.errors import AuditorError
from auditor.families.deps.model import Origin, Pin


class SourceError(AuditorError):
    """An input that cannot be read or parsed: the audit cannot be completed (exit 2)."""


class DependencySource(abc.ABC):
    """Something that declares dependencies: a file, or the environment."""

    @abc.abstractmethod
    def collect(self) -> Iterator[Pin]:
        """Every declared dependency, pinned or with the reason it cannot be audited."""


def relative(path: Path, project: Path) -> str:
    """``path`` relative to ``project`` with forward slashes, else as given."""
    try:
        return path.resolve().relative_to(project.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def origin(path: Path, project: Path, line: int | None) -> Origin:
    """The :class:`Origin` of a declaration at ``line`` of ``path``."""
    return Origin(relative(path, project), line)


def read_text(path: Path) -> str:
    """The file's text; a missing or unreadable file is a :class:`SourceError`."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise SourceError(f"{path}: not UTF-8 text") from None
