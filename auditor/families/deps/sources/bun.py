"""``bun.lock``: Bun's text lock file (JSON with trailing commas), lockfileVersion 0 and 1.

Each ``packages`` entry is an array whose first item is ``name@resolution``: a version
for a registry package, ``workspace:``/``file:``/``link:`` for the project's own code
(listed as skipped), anything else (``github:``, git, a tarball URL) not from the registry.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.families.deps.model import Pin
from auditor.families.deps.services.versions import parse_version
from auditor.families.deps.sources.interface import (
    FileSource,
    SourceError,
    key_lines,
    load_json,
    once,
    read_text,
)
from auditor.families.deps.sources.yarn import spec_name

NPM = "npm"
VERSIONS = (0, 1)
_LOCAL = ("workspace:", "file:", "link:")


def strict_json(text: str) -> str:
    """``text`` without the commas that end an array or object (outside strings)."""
    out: list[str] = []
    in_string = escaped = False
    pending = ""
    for char in text:
        if in_string:
            out.append(char)
            escaped = char == "\\" and not escaped
            in_string = escaped or char != '"'
            continue
        if pending:
            if char.isspace():
                pending += char
                continue
            out.append(pending[1:] if char in "]}" else pending)
            pending = ""
        if char == ",":
            pending = ","
            continue
        in_string = char == '"'
        out.append(char)
    return "".join(out) + pending


class BunLockSource(FileSource):
    """Bun's lock file."""

    def collect(self) -> Iterator[Pin]:
        text = read_text(self.path)
        data = load_json(self.path, strict_json(text))
        if not isinstance(data, Mapping) or data.get("lockfileVersion") not in VERSIONS:
            version = data.get("lockfileVersion") if isinstance(data, Mapping) else None
            raise SourceError(f"{self.path}: unsupported lockfileVersion {version!r} (read: 0, 1)")
        packages = data.get("packages") or {}
        if not isinstance(packages, Mapping):
            raise SourceError(f"{self.path}: 'packages' must be an object")
        lines = key_lines(text, r'^\s*"([^"]+)"\s*:\s*\[')
        yield from once(self._pin(str(k), v, lines.get(str(k))) for k, v in packages.items())

    def _pin(self, key: str, entry: object, line: int | None) -> Pin:
        where = self.where(line)
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            raise SourceError(f"{self.path}:{line or '?'}: package {key!r} is not an array")
        name = spec_name(entry[0])
        resolution = entry[0][len(name) + 1 :]
        if resolution.startswith(_LOCAL):
            return Pin(name, None, where, "workspace or local package", NPM, local=True)
        try:
            parse_version(NPM, resolution)
        except ValueError:
            return Pin(name, None, where, f"not from the registry ({resolution})", NPM)
        return Pin(name, resolution, where, ecosystem=NPM)
