"""Pinned ``requirements*.txt`` files: ``-r`` includes, hashes, line continuations.

Only ``name==version`` (or ``===``) is auditable; anything else (a range, an editable,
a URL or a path) is kept as a pin with the reason it cannot be audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

from auditor.families.deps.model import Origin, Pin
from auditor.families.deps.sources.interface import (
    FileSource,
    SourceError,
    origin,
    read_text,
)

_INCLUDE = re.compile(r"^(?:-r|--requirement)(?:\s+|=)(\S+)$")
_CONSTRAINT = re.compile(r"^(?:-c|--constraint)(?:\s+|=)(\S+)$")
_EDITABLE = re.compile(r"^(?:-e|--editable)(?:\s+|=)(\S+)")
_OPTION_TAIL = re.compile(r"\s(?:--hash|--config-settings|--global-option)(?:=|\s+)\S+")
_URLISH = re.compile(r"^(?:[a-z+]+://|git\+|\.{0,2}/|[A-Za-z]:\\)")
_EGG = re.compile(r"#egg=([A-Za-z0-9._-]+)")


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, joined text) of each logical line, comments removed."""
    start = 0
    buffer = ""
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.sub(r"(^|\s)#.*$", "", raw)
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            yield start, buffer.strip()
        buffer = ""
    if buffer.strip():
        yield start, buffer.strip()


class RequirementsSource(FileSource):
    """One requirements file and the files it includes with ``-r``."""

    @classmethod
    def detectable(cls, path: Path) -> bool:
        """A file with only comments and blank lines declares nothing (and does not
        hide the ``pyproject.toml`` beside it); one that cannot be read is an input."""
        try:
            return any(True for _ in logical_lines(path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            return True

    def collect(self) -> Iterator[Pin]:
        yield from self._collect(self.path, (), set())

    def _collect(self, path: Path, chain: tuple[Path, ...], seen: set[Path]) -> Iterator[Pin]:
        resolved = path.resolve()
        if resolved in chain:
            raise SourceError(f"{path}: -r include cycle")
        if resolved in seen:
            return
        seen.add(resolved)
        text = read_text(path)
        for number, line in logical_lines(text):
            where = origin(path, self.project, number)
            include = _INCLUDE.match(line)
            if include:
                included = path.parent / include.group(1)
                if not included.resolve().is_relative_to(self.project.resolve()):
                    # any file on the host could be pulled in and quoted: refuse, unread
                    raise SourceError(f"{where.file}:{number}: -r include outside the project")
                yield from self._collect(included, (*chain, resolved), seen)
                continue
            if _CONSTRAINT.match(line):
                continue  # constraints restrict, they do not install
            editable = _EDITABLE.match(line)
            if editable:
                target = editable.group(1)
                egg = _EGG.search(target)
                name = egg.group(1) if egg else target
                yield Pin(name, None, where, "editable requirement (-e): no version to audit")
                continue
            if line.startswith("-"):
                continue  # global options: --index-url, --hash on its own line, ...
            spec = _OPTION_TAIL.sub("", f" {line}").strip()
            if _URLISH.match(spec):
                egg = _EGG.search(spec)
                yield Pin(
                    egg.group(1) if egg else spec,
                    None,
                    where,
                    "URL or path requirement: no version to audit",
                )
                continue
            try:
                req = Requirement(spec)
            except InvalidRequirement as exc:
                raise SourceError(f"{where.file}:{number}: {unquoted(exc)}") from None
            yield pin_from_requirement(req, where)


def unquoted(exc: InvalidRequirement) -> str:
    """packaging's reason without the line it quotes (the line may hold a token)."""
    lines = str(exc).splitlines() or ["cannot parse"]
    caret = lines[-1].find("^") if len(lines) > 2 else -1
    column = f" at column {caret - 3}" if caret >= 4 else ""
    return f"invalid requirement{column}: {lines[0]}"


def pin_from_requirement(req: Requirement, where: Origin) -> Pin:
    """A :class:`Pin` from a parsed requirement: exact ``==``/``===`` pins only."""
    if req.url:
        return Pin(req.name, None, where, f"URL requirement ({req.url}): no version to audit")
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return Pin(req.name, specs[0].version, where)
    shown = str(req.specifier) or "any version"
    return Pin(req.name, None, where, f"not pinned to one version ({shown})")
