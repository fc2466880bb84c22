"""``go.mod``: the ``require`` directives (the selected versions since Go 1.17), after ``replace``.

A module replaced by a local directory is the project's own code, listed as skipped;
one replaced by another module at a version is audited as that module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.families.deps.model import Origin, Pin
from auditor.families.deps.services.versions import parse_version
from auditor.families.deps.sources.interface import FileSource, SourceError, read_text

GO = "Go"
_BLOCK = re.compile(r"^(require|replace|exclude|retract|tool|godebug)\s*\($")
_SINGLE = re.compile(r"^(require|replace)\s+(.+)$")


def directives(text: str) -> Iterator[tuple[str, str, int]]:
    """(verb, arguments, line) of each ``require`` and ``replace``, in blocks or single."""
    block: str | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("//")[0].strip()
        if not line:
            continue
        if block is not None:
            if line == ")":
                block = None
            elif block in ("require", "replace"):
                yield block, line, number
            continue
        opened = _BLOCK.match(line)
        if opened:
            block = opened.group(1)
            continue
        single = _SINGLE.match(line)
        if single:
            yield single.group(1), single.group(2), number


class GoModSource(FileSource):
    """A Go module's ``go.mod``."""

    def collect(self) -> Iterator[Pin]:
        text = read_text(self.path)
        if not re.search(r"^module\s+\S+", text, re.MULTILINE):
            raise SourceError(f"{self.path}: no module directive (not a go.mod)")
        required: list[tuple[str, str, int]] = []
        replaced: dict[tuple[str, str | None], list[str]] = {}
        for verb, args, line in directives(text):
            parts = args.split()
            if verb == "require":
                if len(parts) != 2:
                    raise SourceError(f"{self.path}:{line}: malformed require {args!r}")
                required.append((parts[0], parts[1], line))
            else:
                left, _, right = args.partition("=>")
                old, new = left.split(), right.split()
                if not old or not new:
                    raise SourceError(f"{self.path}:{line}: malformed replace {args!r}")
                replaced[(old[0], old[1] if len(old) > 1 else None)] = new
        for module, version, line in required:
            where = self.where(line)
            target = replaced.get((module, version)) or replaced.get((module, None))
            if target is not None and target[0].startswith(("./", "../", "/")):
                yield Pin(module, version, where, f"replaced by {target[0]}", GO, local=True)
                continue
            if target is not None and len(target) == 2:
                module, version = target
            yield go_pin(module, version, where)


def go_pin(module: str, version: str, where: Origin) -> Pin:
    """A Go module pin, or the reason its version cannot be audited."""
    try:
        parse_version(GO, version)
    except ValueError:
        return Pin(module, None, where, f"not a module version ({version})", GO)
    return Pin(module, version, where, ecosystem=GO)
