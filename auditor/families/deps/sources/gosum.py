"""``go.sum`` without a ``go.mod`` beside it: the newest version of each module it hashes.

``go.sum`` also keeps versions the build no longer selects; ``go.mod`` names the selected
ones, so detection reads ``go.sum`` only when it is alone (see the registry).
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.families.deps.model import Pin
from auditor.families.deps.services.versions import sort_key
from auditor.families.deps.sources.gomod import GO, go_pin
from auditor.families.deps.sources.interface import FileSource, SourceError, read_text


class GoSumSource(FileSource):
    """A Go module's checksum file."""

    def collect(self) -> Iterator[Pin]:
        newest: dict[str, tuple[str, int]] = {}
        for number, line in enumerate(read_text(self.path).splitlines(), 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 3 or not parts[2].startswith("h1:"):
                raise SourceError(f"{self.path}:{number}: not a go.sum line")
            module, version = parts[0], parts[1].removesuffix("/go.mod")
            known = newest.get(module)
            if known is None or sort_key(GO, version) > sort_key(GO, known[0]):
                newest[module] = (version, number)
        for module, (version, number) in newest.items():
            yield go_pin(module, version, self.where(number))
