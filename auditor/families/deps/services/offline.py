"""The offline OSV database as a pip-audit ``VulnerabilityService``."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version
from pip_audit._service.interface import (
    Dependency,
    ResolvedDependency,
    VulnerabilityID,
    VulnerabilityResult,
    VulnerabilityService,
)

from auditor.families.deps.services.osv_db import OsvDatabase, Record
from auditor.families.deps.services.results import from_record


@dataclass(frozen=True)
class OsvResult(VulnerabilityResult):
    """A pip-audit result that keeps what the offline database knows beyond it."""

    affected: str = ""
    """The affected versions of the package, as the record states them."""
    severity: tuple[tuple[str, str], ...] = ()
    """(type, vector) pairs from the record."""
    informational: str | None = None
    """RustSec's informational kind (``unmaintained``, ``unsound``, ``notice``), if any."""


class OfflineOsvService(VulnerabilityService):
    """Answers pip-audit queries (PyPI) from an :class:`OsvDatabase`, with no network.

    The audit itself matches offline without pip-audit (:mod:`..collect`); this adapter lets
    pip-audit's own machinery use the database.
    """

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

    @staticmethod
    def _result(record: Record) -> OsvResult:
        found = from_record(record)
        return OsvResult(
            id=VulnerabilityID(found.id),
            description=found.description,
            fix_versions=sorted({v for a in record.affected for v in a.fixed()}),
            aliases={VulnerabilityID(i) for i in found.aliases},
            affected=found.affected,
            severity=found.severity,
            informational=found.informational,
        )

    def smallest_safe(self, name: str, version: Version) -> Version | None:
        """See :meth:`OsvDatabase.smallest_safe`."""
        found: Version | None = self.database.smallest_safe(name, version)
        return found
