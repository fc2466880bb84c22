"""PEP 621 ``[project].dependencies`` of a ``pyproject.toml``.

Exact pins are audited as written. Other requirements are resolved through pip-audit
(which installs them into a throwaway virtual environment, so it needs the package
index) when ``resolve`` is set; otherwise each is reported as not pinned.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.interface import (
    FileSource,
    SourceError,
    origin,
    read_text,
)
from auditor.families.deps.sources.requirements import pin_from_requirement, unquoted


def declared(path: Path) -> list[tuple[str, int | None]]:
    """The ``[project].dependencies`` strings with the line each is written on."""
    text = read_text(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SourceError(f"{path}: invalid TOML: {exc}") from None
    deps = data.get("project", {}).get("dependencies", [])
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise SourceError(f"{path}: [project].dependencies must be an array of strings")
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"^\s*dependencies\s*=", line)), 0)
    found: list[tuple[str, int | None]] = []
    for dep in deps:
        line = next(
            (
                i + 1
                for i in range(start, len(lines))
                if f'"{dep}"' in lines[i] or f"'{dep}'" in lines[i]
            ),
            None,
        )
        found.append((dep, line))
    return found


class PyprojectSource(FileSource):
    """The direct dependencies of a project, optionally resolved through pip-audit."""

    @classmethod
    def detectable(cls, path: Path) -> bool:
        """Only a ``pyproject.toml`` that declares ``[project].dependencies`` is an input.

        One that cannot be read or parsed may declare some: it is an input, whose
        reading fails (exit 2), never "no dependencies found".
        """
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return True
        return bool(data.get("project", {}).get("dependencies"))

    def collect(self) -> Iterator[Pin]:
        entries = declared(self.path)
        parsed: list[tuple[Requirement, int | None]] = []
        for text, line in entries:
            try:
                parsed.append((Requirement(text), line))
            except InvalidRequirement as exc:
                raise SourceError(f"{self.path}:{line or '?'}: {unquoted(exc)}") from None
        if not self.resolve:
            for req, line in parsed:
                pin = pin_from_requirement(req, origin(self.path, self.project, line))
                if pin.skip_reason:
                    pin = Pin(
                        pin.name,
                        None,
                        pin.origin,
                        f"{pin.skip_reason}; audit a lock file, or resolve it (--resolve, or resolve = true in [tool.auditor.deps])",
                    )
                yield pin
            return
        yield from self._resolved(parsed)

    def _resolved(self, parsed: list[tuple[Requirement, int | None]]) -> Iterator[Pin]:
        from pip_audit._dependency_source import DependencySourceError, PyProjectSource
        from pip_audit._service.interface import ResolvedDependency

        lines = {canonicalize_name(req.name): line for req, line in parsed}
        try:
            for dep in PyProjectSource(self.path).collect():
                line = lines.get(canonicalize_name(dep.name))
                where = origin(self.path, self.project, line)
                if isinstance(dep, ResolvedDependency):
                    yield Pin(dep.name, str(dep.version), where)
                else:
                    reason = getattr(dep, "skip_reason", "skipped by pip-audit")
                    yield Pin(dep.name, None, where, str(reason))
        except DependencySourceError as exc:
            raise SourceError(f"{self.path}: resolving the dependencies failed: {exc}") from None
