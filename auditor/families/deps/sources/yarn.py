"""``yarn.lock``: classic (``# yarn lockfile v1``) and berry (YAML with ``__metadata``).

Each entry is keyed by the specifiers it resolves (``name@^1.0, name@~1.2``) and
names the version it resolved to. A git, URL or ``exec:`` resolution has no registry
version (DEP002); a workspace, ``link:``, ``portal:`` or ``file:`` package is the
project's own code, listed as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from auditor.families.deps.model import Origin, Pin
from auditor.families.deps.sources.interface import (
    FileSource,
    SourceError,
    load_yaml,
    once,
    read_text,
)

NPM = "npm"
_LOCAL = ("workspace:", "link:", "portal:", "file:")
_REMOTE = ("git", "github:", "http:", "https:", "exec:")
_FIELD = re.compile(r'^\s+(version|resolved)\s+"?([^"]*)"?\s*$')


def spec_name(spec: str) -> str:
    """The package name of a specifier: ``@scope/name@^1.0`` -> ``@scope/name``."""
    spec = spec.strip().strip('"')
    at = spec.find("@", 1)
    return spec[:at] if at > 0 else spec


class YarnLockSource(FileSource):
    """Yarn's lock file, either generation."""

    def collect(self) -> Iterator[Pin]:
        text = read_text(self.path)
        if re.search(r"^__metadata:", text, re.MULTILINE):
            yield from once(self._berry(text))
        elif "# yarn lockfile v1" in text:
            yield from once(self._classic(text))
        else:
            raise SourceError(f"{self.path}: unsupported yarn.lock (neither yarn v1 nor berry)")

    def _classic(self, text: str) -> Iterator[Pin]:
        header: tuple[str, int] | None = None
        fields: dict[str, str] = {}
        for number, line in enumerate([*text.splitlines(), ""], 1):
            if line and not line[0].isspace() and not line.startswith("#"):
                if header is not None:
                    yield self._entry(
                        header[0], fields.get("version"), fields.get("resolved", ""), header[1]
                    )
                header, fields = (line.rstrip(":").split(",")[0], number), {}
            elif line.strip() == "" and header is not None:
                yield self._entry(
                    header[0], fields.get("version"), fields.get("resolved", ""), header[1]
                )
                header = None
            else:
                match = _FIELD.match(line)
                if match is not None and header is not None:
                    fields.setdefault(match.group(1), match.group(2))

    def _berry(self, text: str) -> Iterator[Pin]:
        data = load_yaml(self.path, text)
        if not isinstance(data, Mapping):
            raise SourceError(f"{self.path}: not a yarn lock file")
        lines = {
            line.rstrip(":").strip('"'): number
            for number, line in enumerate(text.splitlines(), 1)
            if line and not line[0].isspace() and line.endswith(":")
        }
        for key, entry in data.items():
            if key == "__metadata" or not isinstance(entry, Mapping):
                continue
            resolution = str(entry.get("resolution", ""))
            version = entry.get("version")
            yield self._entry(
                str(key).split(",")[0],
                str(version) if version else None,
                resolution,
                lines.get(str(key)),
            )

    def _entry(self, spec: str, version: str | None, resolved: str, line: int | None) -> Pin:
        """A pin from an entry's first specifier, its version and its ``resolved``/``resolution``."""
        where: Origin = self.where(line)
        spec = spec.strip().strip('"')
        name = spec_name(spec)
        wanted = spec[len(name) + 1 :]
        if wanted.startswith("npm:") and "@" in wanted[5:]:  # an alias: alias@npm:real@^1.0
            name = spec_name(wanted[4:])
        if "@npm:" in resolved or "@patch:" in resolved:  # berry names the real package
            name = spec_name(resolved)
        protocol = resolved[len(name) + 1 :] if resolved.startswith(f"{name}@") else wanted
        if protocol.startswith(_LOCAL) or wanted.startswith(_LOCAL):
            return Pin(name, version, where, "workspace or local package", NPM, local=True)
        if resolved.startswith(("git", "github:")) or protocol.startswith(_REMOTE):
            return Pin(name, None, where, f"not from the registry ({resolved or spec})", NPM)
        if not version:
            return Pin(name, None, where, "no version in the lock file", NPM)
        return Pin(name, version, where, ecosystem=NPM)
