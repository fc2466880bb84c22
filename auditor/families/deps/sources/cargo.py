"""``Cargo.lock`` (versions 1 to 4): crates from crates.io are audited.

A crate from another registry or from git has no crates.io version an advisory could
name: it is not auditable (DEP002). A crate without a ``source`` is a workspace member
or a local path crate, the project's own code: listed as skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.families.deps.model import Origin, Pin
from auditor.families.deps.sources.interface import SourceError
from auditor.families.deps.sources.locks import TomlLockSource, package_version

CRATES_IO = (
    "registry+https://github.com/rust-lang/crates.io-index",
    "sparse+https://index.crates.io/",
)
"""The ``source`` values of crates.io (git index and sparse protocol)."""

VERSIONS = (1, 2, 3, 4)


class CargoLockSource(TomlLockSource):
    """``Cargo.lock``: one ``[[package]]`` table per crate."""

    def check(self, data: Mapping[str, Any]) -> None:
        version = data.get("version", 1)
        if version not in VERSIONS:
            raise SourceError(
                f"{self.path}: unsupported Cargo.lock version {version!r} (read: 1-4)"
            )

    def pin(self, name: str, package: Mapping[str, Any], where: Origin) -> Pin | None:
        version = package_version(package)
        source = package.get("source")
        if source is None:
            return Pin(name, version, where, "workspace or path crate", "crates.io", local=True)
        if not isinstance(source, str):
            raise SourceError(f"{self.path}:{where.line or '?'}: {name}: source must be a string")
        if source.startswith("git+"):
            reason = f"git source ({source.split('#')[0]}): not a crates.io release"
            return Pin(name, None, where, reason, "crates.io")
        if source not in CRATES_IO:
            reason = f"from another registry ({source}): no crates.io advisory applies"
            return Pin(name, None, where, reason, "crates.io")
        if version is None:
            return Pin(name, None, where, "no version in the lock file", "crates.io")
        return Pin(name, version, where, ecosystem="crates.io")
