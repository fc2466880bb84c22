"""PEP 751 ``pylock.toml`` and ``pylock.<name>.toml``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.interface import SourceError
from auditor.families.deps.sources.locks import TomlLockSource, registry_pin


class PylockSource(TomlLockSource):
    """PEP 751 ``pylock.toml`` / ``pylock.<name>.toml``."""

    header = "packages"

    def check(self, data: Mapping[str, Any]) -> None:
        if "lock-version" not in data:
            raise SourceError(f"{self.path}: missing lock-version (not a PEP 751 lock file)")

    def pin(self, name: str, package: Mapping[str, Any], where: Any) -> Pin | None:
        for kind in ("vcs", "directory", "archive"):
            if kind in package:
                return Pin(name, None, where, f"{kind} source: not from a package index")
        return registry_pin(name, package, where)
