"""The dependency-source interface (after pip-audit's ``DependencySource``)."""

from __future__ import annotations

import abc
import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from auditor.core.errors import AuditorError
from auditor.families.deps.model import Origin, Pin


class SourceError(AuditorError):
    """An input that cannot be read or parsed: the audit cannot be completed (exit 2)."""


class DependencySource(abc.ABC):
    """Something that declares dependencies: a file, or the environment."""

    @abc.abstractmethod
    def collect(self) -> Iterator[Pin]:
        """Every declared dependency, pinned or with the reason it cannot be audited."""


class FileSource(DependencySource):
    """A dependency source read from one file; each input format has one (see :mod:`.registry`)."""

    def __init__(self, path: Path, project: Path, resolve: bool = False) -> None:
        self.path = path
        self.project = project
        self.resolve = resolve
        """Resolve unpinned requirements through pip-audit (only ``pyproject.toml`` uses it)."""

    @classmethod
    def detectable(cls, path: Path) -> bool:
        """Whether a file of this format found in a project is an input (not only named so)."""
        return True

    def where(self, line: int | None) -> Origin:
        """The :class:`Origin` of a declaration at ``line`` of this file."""
        return origin(self.path, self.project, line)


@functools.lru_cache(maxsize=1024)
def relative(path: Path, project: Path) -> str:
    """``path`` relative to ``project`` with forward slashes, else as given.

    Memoised: every pin of a lock file asks for the same path, and resolving it (a
    ``realpath`` walk per call) was a fifth of a cold audit of 1,800 pins."""
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


def key_lines(text: str, pattern: str) -> dict[str, int]:
    """The first line (1-based) of each key that ``pattern``'s first group captures, line by line."""
    import re

    compiled = re.compile(pattern)
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        match = compiled.match(line)
        if match is not None:
            found.setdefault(match.group(1), number)
    return found


def once(pins: Iterable[Pin]) -> Iterator[Pin]:
    """Each (name, version, reason) once: a lock file lists a package once per dependent."""
    seen: set[tuple[str, str | None, str | None]] = set()
    for pin in pins:
        key = (pin.name, pin.version, pin.skip_reason)
        if key not in seen:
            seen.add(key)
            yield pin


def load_json(path: Path, text: str) -> Any:
    """``text`` of ``path`` as JSON; a syntax error is a :class:`SourceError`."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: invalid JSON: {exc}") from None


def load_yaml(path: Path, text: str) -> Any:
    """``text`` of ``path`` as YAML; a syntax error is a :class:`SourceError`."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:  # its text quotes the lines around the fault: never echo it
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "cannot parse"
        raise SourceError(f"{path}: invalid YAML{where}: {problem}") from None
