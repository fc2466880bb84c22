"""``composer.lock``: the ``packages`` and ``packages-dev`` Composer installed.

A package released on Packagist is audited at its version (``v1.2.3`` and ``1.2.3``
are the same release). A branch (``dev-main``, ``1.x-dev``) is no release an advisory
could name (DEP002); a ``path`` repository package is the project's own code, listed
as skipped.
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

PACKAGIST = "Packagist"
SECTIONS = ("packages", "packages-dev")


class ComposerLockSource(FileSource):
    """Composer's lock file."""

    def collect(self) -> Iterator[Pin]:
        text = read_text(self.path)
        data = load_json(self.path, text)
        if not isinstance(data, Mapping) or not any(s in data for s in SECTIONS):
            raise SourceError(f"{self.path}: not a composer.lock (no packages)")
        lines = key_lines(text, r'^\s*"name"\s*:\s*"([^"]+)"')
        pins: list[Pin] = []
        for section in SECTIONS:
            packages = data.get(section, [])
            if not isinstance(packages, list) or not all(isinstance(p, Mapping) for p in packages):
                raise SourceError(f"{self.path}: '{section}' must be an array of objects")
            for package in packages:
                name = package.get("name")
                if not isinstance(name, str) or not name:
                    raise SourceError(f"{self.path}: a package in '{section}' has no name")
                pins.append(_pin(name, package, self.where(lines.get(name))))
        yield from once(pins)


def _pin(name: str, package: Mapping[str, object], where: Origin) -> Pin:
    version = package.get("version")
    dist = package.get("dist")
    if isinstance(dist, Mapping) and dist.get("type") == "path":
        return Pin(name, None, where, f"path repository ({dist.get('url')})", PACKAGIST, local=True)
    if not isinstance(version, str) or not version:
        return Pin(name, None, where, "no version in the lock file", PACKAGIST)
    if version.startswith("dev-") or version.endswith("-dev"):
        return Pin(name, None, where, f"a branch ({version}): not a release", PACKAGIST)
    return Pin(name, version.removeprefix("v"), where, ecosystem=PACKAGIST)
