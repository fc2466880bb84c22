"""The installed distributions of the running Python environment (``--env``)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator

from auditor.families.deps.model import Origin, Pin
from auditor.families.deps.sources.interface import DependencySource

ENVIRONMENT = "(environment)"


class EnvironmentSource(DependencySource):
    """Every distribution importable by this interpreter, once per normalised name."""

    def collect(self) -> Iterator[Pin]:
        seen: set[str] = set()
        for dist in importlib.metadata.distributions():
            name = dist.metadata["Name"]
            if not name:
                continue
            pin = Pin(name, dist.version, Origin(ENVIRONMENT))
            if pin.canonical_name in seen:
                continue
            seen.add(pin.canonical_name)
            yield pin
