"""What the TOML lock files of Python (``pylock.toml``, ``uv.lock``, ``poetry.lock``) share.

Each package keeps the line of its ``name = ...`` key. A package that is not from a
registry (a git, URL or path source) cannot be audited and says so; each format's
module (:mod:`.pylock`, :mod:`.uvlock`, :mod:`.poetry`) decides which that is.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.interface import (
    FileSource,
    SourceError,
    origin,
    read_text,
)


def load(path: Path) -> tuple[str, dict[str, Any]]:
    text = read_text(path)
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path}: invalid TOML: {exc}") from None


def name_lines(text: str, header: str) -> list[int]:
    """The line of each ``name =`` key inside the ``[[header]]`` tables, in order."""
    lines: list[int] = []
    in_table = False
    pending: int | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("["):
            if pending is not None:
                lines.append(pending)
                pending = None
            in_table = stripped == f"[[{header}]]"
            if in_table:
                pending = number
            continue
        if in_table and pending is not None and re.match(r"^name\s*=", stripped):
            lines.append(number)
            pending = None
    if pending is not None:
        lines.append(pending)
    return lines


def _packages(path: Path, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    packages = data.get(key, [])
    if not isinstance(packages, list) or not all(isinstance(p, Mapping) for p in packages):
        raise SourceError(f"{path}: '{key}' must be an array of tables")
    return packages


class TomlLockSource(FileSource):
    """A TOML lock file with one array of package tables."""

    header = "package"

    def collect(self) -> Iterator[Pin]:
        text, data = load(self.path)
        self.check(data)
        if self.header not in data:  # a lock always lists its packages, if only the project
            raise SourceError(f"{self.path}: no [[{self.header}]] tables (empty or truncated)")
        packages = _packages(self.path, data, self.header)
        lines = name_lines(text, self.header)
        for index, package in enumerate(packages):
            line = lines[index] if index < len(lines) else None
            name = package.get("name")
            if not isinstance(name, str) or not name:
                raise SourceError(f"{self.path}:{line or '?'}: package without a name")
            pin = self.pin(name, package, origin(self.path, self.project, line))
            if pin is not None:
                yield pin

    def check(self, data: Mapping[str, Any]) -> None:
        """Raise :class:`SourceError` when the file is not of a version this reader knows."""

    def pin(self, name: str, package: Mapping[str, Any], where: Any) -> Pin | None:
        raise NotImplementedError


def package_version(package: Mapping[str, Any]) -> str | None:
    version = package.get("version")
    return version if isinstance(version, str) and version else None


def registry_pin(name: str, package: Mapping[str, Any], where: Any) -> Pin:
    """The pin of a package from the index: its version, or why there is none."""
    version = package_version(package)
    if version is None:
        return Pin(name, None, where, "no version in the lock file")
    return Pin(name, version, where)
