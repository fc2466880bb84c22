"""``package-lock.json`` and ``npm-shrinkwrap.json``, lockfileVersion 1, 2 and 3.

Versions 2 and 3 list every installed package under ``packages`` by its
``node_modules/...`` path; version 1 nests ``dependencies``. A package installed from
git, a tarball URL or a local path has no registry version to audit (DEP002); the
root project and workspace members (paths outside ``node_modules``, links) are the
project's own code, listed as skipped.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.families.deps.model import Origin, Pin
from auditor.families.deps.sources.interface import (
    FileSource,
    SourceError,
    key_lines,
    load_json,
    once,
    read_text,
)

NPM = "npm"
VERSIONS = (1, 2, 3)
_NOT_REGISTRY = ("git", "github:", "file:", "link:", "http://", "https://")


class PackageLockSource(FileSource):
    """npm's lock file."""

    def collect(self) -> Iterator[Pin]:
        text = read_text(self.path)
        data = load_json(self.path, text)
        if not isinstance(data, Mapping):
            raise SourceError(f"{self.path}: not a package-lock object")
        version = data.get("lockfileVersion")
        if version not in VERSIONS:
            raise SourceError(
                f"{self.path}: unsupported lockfileVersion {version!r} (read: 1, 2, 3)"
            )
        lines = key_lines(text, r'^\s*"([^"]+)"\s*:\s*\{')
        if version == 1:
            yield from once(self._nested(data.get("dependencies"), lines))
        else:
            yield from once(self._packages(data.get("packages"), lines))

    def _packages(self, packages: object, lines: dict[str, int]) -> Iterator[Pin]:
        if not isinstance(packages, Mapping):
            raise SourceError(f"{self.path}: 'packages' must be an object")
        for key, entry in packages.items():
            if key == "" or not isinstance(entry, Mapping):
                continue  # the root project
            where = self.where(lines.get(key))
            name = entry.get("name") or key.rpartition("node_modules/")[2]
            if "node_modules/" not in key or entry.get("link"):
                yield Pin(name, entry.get("version"), where, "workspace package", NPM, local=True)
                continue
            yield self._pin(str(name), entry.get("version"), entry.get("resolved"), where)

    def _nested(self, dependencies: object, lines: dict[str, int]) -> Iterator[Pin]:
        if dependencies is None:
            return
        if not isinstance(dependencies, Mapping):
            raise SourceError(f"{self.path}: 'dependencies' must be an object")
        for name, entry in dependencies.items():
            if not isinstance(entry, Mapping):
                raise SourceError(f"{self.path}: dependency {name!r} must be an object")
            yield self._pin(
                name, entry.get("version"), entry.get("resolved"), self.where(lines.get(name))
            )
            yield from self._nested(entry.get("dependencies"), lines)

    def _pin(self, name: str, version: object, resolved: object, where: Origin) -> Pin:
        if not isinstance(version, str) or not version:
            return Pin(name, None, where, "no version in the lock file", NPM)
        if version.startswith("npm:"):  # an alias: npm:real-name@1.2.3
            name, _, version = version[4:].rpartition("@")
        if version.startswith(("file:", "link:")):
            return Pin(name, None, where, f"local path ({version})", NPM, local=True)
        if version.startswith(_NOT_REGISTRY):
            return Pin(name, None, where, f"not from the registry ({version})", NPM)
        if isinstance(resolved, str) and resolved.startswith(("git", "file:")):
            return Pin(name, None, where, f"not from the registry ({resolved})", NPM)
        return Pin(name, version, where, ecosystem=NPM)
