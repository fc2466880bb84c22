"""``poetry.lock``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.locks import TomlLockSource, registry_pin


class PoetryLockSource(TomlLockSource):
    """``poetry.lock``."""

    def pin(self, name: str, package: Mapping[str, Any], where: Any) -> Pin | None:
        source = package.get("source", {})
        if isinstance(source, Mapping) and source.get("type") in (
            "git",
            "url",
            "file",
            "directory",
        ):
            return Pin(name, None, where, f"{source['type']} source: not from a package index")
        return registry_pin(name, package, where)
