"""Lock files: PEP 751 ``pylock.toml``, ``uv.lock`` and ``poetry.lock``.

Each package keeps the line of its ``name = ...`` key. A package that is not from a
registry (a git, URL or path source) cannot be audited and says so; the project itself
(uv's editable or virtual root) is not a dependency and is left out.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.interface import (
    DependencySource,
    SourceError,
    origin,
    read_text,
)


def _load(path: Path) -> tuple[str, dict[str, Any]]:
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


class _LockSource(DependencySource):
    header = "package"

    def __init__(self, path: Path, project: Path) -> None:
        self.path = path
        self.project = project

    def collect(self) -> Iterator[Pin]:
        text, data = _load(self.path)
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

    def pin(self, name: str, package: Mapping[str, Any], where: Any) -> Pin | None:
        raise NotImplementedError


def _version(package: Mapping[str, Any]) -> str | None:
    version = package.get("version")
    return version if isinstance(version, str) and version else None


class PylockSource(_LockSource):
    """PEP 751 ``pylock.toml`` / ``pylock.<name>.toml``."""

    header = "packages"

    def collect(self) -> Iterator[Pin]:
        _, data = _load(self.path)
        if "lock-version" not in data:
            raise SourceError(f"{self.path}: missing lock-version (not a PEP 751 lock file)")
        yield from super().collect()

    def pin(self, name: str, package: Mapping[str, Any], where: Any) -> Pin | None:
        for kind in ("vcs", "directory", "archive"):
            if kind in package:
                return Pin(name, None, where, f"{kind} source: not from a package index")
        version = _version(package)
        if version is None:
            return Pin(name, None, where, "no version in the lock file")
        return Pin(name, version, where)


class UvLockSource(_LockSource):
    """``uv.lock``."""

    def pin(self, name: str, package: Mapping[str, Any], where: Any) -> Pin | None:
        source = package.get("source", {})
        if isinstance(source, Mapping):
            if source.get("virtual") == "." or source.get("editable") == ".":
                return None  # the project itself
            for kind in ("git", "url", "path", "directory", "editable", "virtual"):
                if kind in source:
                    return Pin(name, None, where, f"{kind} source: not from a package index")
        version = _version(package)
        if version is None:
            return Pin(name, None, where, "no version in the lock file")
        return Pin(name, version, where)


class PoetryLockSource(_LockSource):
    """``poetry.lock``."""

    def pin(self, name: str, package: Mapping[str, Any], where: Any) -> Pin | None:
        source = package.get("source", {})
        if isinstance(source, Mapping) and source.get("type") in (
            "git",
            "url",
            "file",
            "directory",
        ):
            return Pin(name, None, where, f"{source['type']} source: not from a package index")
        version = _version(package)
        if version is None:
            return Pin(name, None, where, "no version in the lock file")
        return Pin(name, version, where)
