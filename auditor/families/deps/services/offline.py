"""The offline OSV database as a pip-audit ``VulnerabilityService``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from packaging.version import Version
from pip_audit._service.interface import (
    Dependency,
    ResolvedDependency,
    VulnerabilityID,
    VulnerabilityResult,
    VulnerabilityService,
)

from auditor.families.deps.services.osv_db import OsvDatabase, Record
from auditor.families.deps.services.versions import PYPI, parse_version


@dataclass(frozen=True)
class OsvResult(VulnerabilityResult):
    """A pip-audit result that keeps what the offline database knows beyond it."""

    affected: str = ""
    """The affected versions of the package, as the record states them."""
    severity: tuple[tuple[str, str], ...] = ()
    """(type, vector) pairs from the record."""
    fixed: tuple[str, ...] = ()
    """Fixed versions as the record writes them (for ecosystems other than PyPI, whose
    versions are not ``packaging`` versions; ``fix_versions`` is then empty)."""
    informational: str | None = None
    """RustSec's informational kind (``unmaintained``, ``unsound``, ``notice``), if any."""


class OfflineOsvService(VulnerabilityService):
    """Answers pip-audit queries from an :class:`OsvDatabase`, with no network."""

    def __init__(self, database: OsvDatabase) -> None:
        self.database = database

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        if not isinstance(spec, ResolvedDependency):
            return spec, []
        results: list[VulnerabilityResult] = [
            self._result(record)
            for record in self.database.affecting(spec.canonical_name, spec.version)
        ]
        return spec, results

    def lookup(self, ecosystem: str, name: str, version: str) -> list[VulnerabilityResult] | None:
        """The results for ``name`` at ``version`` of ``ecosystem``; None when the version is invalid."""
        try:
            parsed = self.parsed(ecosystem, version)
        except ValueError:
            return None
        return [
            self._result(record, ecosystem)
            for record in self.database.affecting(name, parsed, ecosystem)
        ]

    @staticmethod
    def parsed(ecosystem: str, version: str) -> Any:
        """``version`` in ``ecosystem``'s order (``ValueError`` when it is not one)."""
        return parse_version(ecosystem, version)

    @staticmethod
    def _result(record: Record, ecosystem: str = PYPI) -> OsvResult:
        ids = sorted({record.id, *record.aliases} - {""}, key=id_order)
        primary = ids[0]
        pypi = ecosystem == PYPI
        return OsvResult(
            id=VulnerabilityID(primary),
            description=record.summary,
            fix_versions=sorted({v for a in record.affected for v in a.fixed()}) if pypi else [],
            aliases={VulnerabilityID(i) for i in ids[1:]},
            affected="; ".join(a.describe() for a in record.affected),
            severity=record.severity,
            informational=record.informational,
            fixed=()
            if pypi
            else tuple(dict.fromkeys(t for a in record.affected for t in a.fixed_texts())),
        )

    def smallest_safe(self, name: str, version: Version) -> Version | None:
        """See :meth:`OsvDatabase.smallest_safe`."""
        return self.database.smallest_safe(name, version)


NATIVE = ("PYSEC-", "RUSTSEC-", "GO-")
"""Ids of an ecosystem's own advisory database, preferred as the primary id."""


def id_order(item: str) -> tuple[int, str]:
    """The ecosystem's own id first (PYSEC, RUSTSEC, GO), then CVE, then the rest, then by text.

    pip-audit's preference, extended to the databases of the other ecosystems: cargo-audit
    names a RustSec advisory by its RUSTSEC id.
    """
    rank = 0 if item.startswith(NATIVE) else 1 if item.startswith("CVE") else 2
    return rank, item
