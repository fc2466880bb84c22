"""``pnpm-lock.yaml``, lockfileVersion 5.x to 9.x.

Every resolved package is a key of ``packages``: ``/name/1.2.3`` (5.x),
``/name@1.2.3(peer@2.0.0)`` (6.x-8.x) or ``name@1.2.3`` (9.x). A package resolved
from git or a tarball URL has no registry version (DEP002); a directory (a workspace
or ``file:`` package) is the project's own code, listed as skipped. Importers (the
project and its workspace members) are not dependencies.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from auditor.families.deps.model import Origin, Pin
from auditor.families.deps.services.versions import parse_version
from auditor.families.deps.sources.interface import (
    FileSource,
    SourceError,
    key_lines,
    load_yaml,
    once,
    read_text,
)

NPM = "npm"
MAJORS = (5, 6, 7, 8, 9)


class PnpmLockSource(FileSource):
    """pnpm's lock file."""

    def collect(self) -> Iterator[Pin]:
        text = read_text(self.path)
        data = load_yaml(self.path, text)
        if not isinstance(data, Mapping):
            raise SourceError(f"{self.path}: not a pnpm lock file")
        raw = str(data.get("lockfileVersion", ""))
        major = int(raw.split(".")[0]) if raw.split(".")[0].isdigit() else None
        if major not in MAJORS:
            raise SourceError(f"{self.path}: unsupported lockfileVersion {raw!r} (read: 5.x-9.x)")
        packages = data.get("packages") or {}
        if not isinstance(packages, Mapping):
            raise SourceError(f"{self.path}: 'packages' must be a mapping")
        lines = key_lines(text, r"^  ['\"]?([^'\"\s][^'\"]*?)['\"]?:\s*$")
        yield from once(
            self._pin(str(key), info, major, self.where(lines.get(str(key))))
            for key, info in packages.items()
        )

    def _pin(self, key: str, info: object, major: int, where: Origin) -> Pin:
        entry = info if isinstance(info, Mapping) else {}
        resolution = entry.get("resolution")
        resolution = resolution if isinstance(resolution, Mapping) else {}
        name, version = split_key(key, major)
        name = str(entry.get("name") or name)
        version = str(entry.get("version") or version)
        if "directory" in resolution or version.startswith(("file:", "link:")):
            return Pin(name, None, where, "workspace or local package", NPM, local=True)
        if resolution.get("type") == "git" or "repo" in resolution:
            return Pin(name, None, where, f"git source ({resolution.get('repo', key)})", NPM)
        if "tarball" in resolution and "integrity" not in resolution:
            return Pin(name, None, where, f"tarball URL ({resolution['tarball']})", NPM)
        try:
            parse_version(NPM, version)
        except ValueError:
            return Pin(name, None, where, f"not a registry version ({key})", NPM)
        return Pin(name, version, where, ecosystem=NPM)


def split_key(key: str, major: int) -> tuple[str, str]:
    """(name, version) of a ``packages`` key of a lock file of ``major`` version."""
    key = key.removeprefix("/").split("(")[0]
    if major == 5:
        name, _, version = key.rpartition("/")
        return name, version.split("_")[0]
    at = key.rfind("@")
    if at <= 0:
        return key, ""
    return key[:at], key[at + 1 :]
