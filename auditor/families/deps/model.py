"""The records a dependency audit produces: pins with their origin, advisories, results.

Collectors build them; the DEP rules (:mod:`auditor.families.deps.rules`) read them and never do I/O.
:class:`Advisory` is defined in :mod:`auditor.core.findings` (the report's SBOM components carry
it) and re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from auditor.core.findings import Advisory, Severity

__all__ = ["Advisory", "AuditedDependency", "DepsAudit", "Ignore", "Origin", "Pin"]


@dataclass(frozen=True)
class Origin:
    """Where a dependency was declared."""

    file: str
    """Path relative to the project root (forward slashes), or ``(environment)``."""
    line: int | None = None
    """1-based line of the declaration, when known."""


@dataclass(frozen=True)
class Pin:
    """One declared dependency: a name, its exact version, and where it came from."""

    name: str
    """The name as written (not normalised)."""
    version: str | None
    """The pinned version, or None when the dependency is not auditable."""
    origin: Origin
    skip_reason: str | None = None
    """Why the dependency cannot be audited (unpinned, URL, editable ...), else None."""
    ecosystem: str = "PyPI"
    """The OSV ecosystem whose advisories apply (``PyPI``, ``crates.io``, ``npm``, ``Go``)."""
    local: bool = False
    """Source code of the project itself (a workspace member, a local path package): it has
    no published version an advisory could name, so it is listed as skipped, not a finding."""

    def __post_init__(self) -> None:
        # a URL requirement may carry credentials (a user and token before the host): every
        # source's pins lose them here, before any message or report can show them
        from auditor.core.redact import redact_url_credentials

        object.__setattr__(self, "name", redact_url_credentials(self.name))
        if self.skip_reason:
            object.__setattr__(self, "skip_reason", redact_url_credentials(self.skip_reason))

    @property
    def canonical_name(self) -> str:
        """The PEP 503 normalised name for PyPI; the name as written elsewhere."""
        if self.ecosystem != "PyPI":
            return self.name
        from packaging.utils import canonicalize_name

        return str(canonicalize_name(self.name))

    @property
    def label(self) -> str:
        """``name==version`` for PyPI, ``name@version`` elsewhere (the bare name when unpinned)."""
        if not self.version:
            return self.name
        return f"{self.name}{'==' if self.ecosystem == 'PyPI' else '@'}{self.version}"


@dataclass(frozen=True)
class AuditedDependency:
    """A pin and what the vulnerability service said about it."""

    pin: Pin
    advisories: tuple[Advisory, ...] = ()
    skip_reason: str | None = None
    """Why it could not be audited (the pin's own reason, or the service's)."""
    upgrade: str | None = None
    """The smallest version that fixes every known vulnerability of the package, if any."""


@dataclass(frozen=True)
class Ignore:
    """A configured ignore of one vulnerability id (matches aliases too)."""

    id: str
    reason: str
    expires: date


@dataclass(frozen=True)
class DepsAudit:
    """Everything the DEP rules look at."""

    dependencies: tuple[AuditedDependency, ...] = ()
    ignores: tuple[Ignore, ...] = ()
    today: date = field(default_factory=date.today)
    unknown_severity: Severity = Severity.HIGH
    """Severity of a vulnerability whose advisory has no CVSS vector."""
    unauditable_severity: Severity = Severity.HIGH
    """Severity of a dependency that could not be audited."""
    database: str | None = None
    """The offline advisory database used, or None for an online service."""
    database_age_days: int | None = None
    """Days since the newest record of the offline database was modified."""
    max_database_age_days: int = 7
    config_file: str | None = None
    """Where the ignores are configured (for locations of DEP003)."""
