"""``uv.lock``: the project itself (its editable or virtual root) is left out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditor.families.deps.model import Pin
from auditor.families.deps.sources.locks import TomlLockSource, registry_pin


class UvLockSource(TomlLockSource):
    """``uv.lock``."""

    def pin(self, name: str, package: Mapping[str, Any], where: Any) -> Pin | None:
        source = package.get("source", {})
        if isinstance(source, Mapping):
            if source.get("virtual") == "." or source.get("editable") == ".":
                return None  # the project itself
            for kind in ("git", "url", "path", "directory", "editable", "virtual"):
                if kind in source:
                    return Pin(name, None, where, f"{kind} source: not from a package index")
        return registry_pin(name, package, where)
