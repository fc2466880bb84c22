"""The result vocabulary every family speaks: severities, locations, findings, reports.

All records are frozen dataclasses so that a report, once built, cannot change under
a renderer; every output format renders from the same :class:`Report`.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from auditor.core.references import references_of


class Severity(enum.IntEnum):
    """How bad a finding is; ordered so that thresholds compare with ``>=``."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        """The lower-case name used on the command line and in every output."""
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity name (any case); raise ``ValueError`` naming the choices."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            choices = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (choose from {choices})") from None


@dataclass(frozen=True, order=True)
class Location:
    """Where a finding is: a file and line, a database object, or both."""

    file: str | None = None
    """Path relative to the audited project root, with forward slashes."""
    line: int | None = None
    """1-based line in ``file``."""
    object: str | None = None
    """A database object such as ``public.users.email`` or ``role:app``."""
    commit: str | None = None
    """Commit id for findings in git history."""

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
            if self.commit:
                where = f"{self.commit[:12]}:{where}"
            parts.append(where)
        if self.object:
            parts.append(self.object)
        return " ".join(parts) if parts else "(project)"

    def stable_key(self) -> str:
        """The part of the location that survives line moves (used in fingerprints)."""
        return f"{self.file or ''}|{self.object or ''}"


@dataclass(frozen=True)
class Hit:
    """What a check reports; the engine turns it into a :class:`Finding`."""

    message: str
    """What is wrong, in one sentence. Never contains a secret value."""
    location: Location = field(default_factory=Location)
    fix: str | None = None
    """How to fix it (text or SQL)."""
    key: str = ""
    """Extra identity for the fingerprint when one location can hold several hits."""
    evidence: tuple[tuple[str, str], ...] = ()
    """Name/value pairs that support the finding (already redacted)."""
    severity: Severity | None = None
    """Overrides the rule's default severity (e.g. CVSS-derived)."""


@dataclass(frozen=True)
class Finding:
    """One problem found, with a stable rule id and a line-independent fingerprint."""

    rule_id: str
    severity: Severity
    family: str
    message: str
    location: Location
    fingerprint: str
    fix: str | None = None
    evidence: tuple[tuple[str, str], ...] = ()
    baseline: str | None = None
    """``new`` or ``existing`` when compared with a baseline report, else None."""
    references: tuple[str, ...] = ()
    """The controls and weakness classes it evidences (``CIS 5.8``, ``CWE-798``; see
    :mod:`auditor.core.references`)."""

    @classmethod
    def from_hit(cls, rule_id: str, severity: Severity, family: str, hit: Hit) -> Finding:
        """Attach the rule's identity to a check's hit and compute the fingerprint."""
        return cls(
            rule_id=rule_id,
            severity=hit.severity if hit.severity is not None else severity,
            family=family,
            message=hit.message,
            location=hit.location,
            fingerprint=fingerprint(rule_id, hit.location, hit.key),
            fix=hit.fix,
            evidence=hit.evidence,
            references=references_of(rule_id, family, hit.location.object),
        )

    def sort_key(self) -> tuple[int, str, str, str, int, str]:
        """Most severe first, then by family, rule and place."""
        return (
            -int(self.severity),
            self.family,
            self.rule_id,
            self.location.file or self.location.object or "",
            self.location.line or 0,
            self.fingerprint,
        )


def fingerprint(rule_id: str, location: Location, key: str = "") -> str:
    """A short hash of rule, file/object and key: stable when lines move."""
    digest = hashlib.sha256(f"{rule_id}\0{location.stable_key()}\0{key}".encode()).hexdigest()
    return digest[:16]


@dataclass(frozen=True)
class Skipped:
    """Something that was not checked, and why. Shown in the report, never hidden."""

    family: str
    what: str
    reason: str


@dataclass(frozen=True)
class AuditError:
    """A part of the audit that could not be completed; forces exit code 2."""

    family: str
    message: str


@dataclass(frozen=True)
class Verified:
    """A requirement proven to hold: evidence for a passing report."""

    family: str
    what: str
    evidence: str


@dataclass(frozen=True)
class Waived:
    """A finding that a waiver in the configuration accepted until its expiry date."""

    finding: Finding
    reason: str
    expires: str
    """ISO date (YYYY-MM-DD)."""


@dataclass(frozen=True)
class DiagramColumn:
    """One column of a table in the schema diagram."""

    name: str
    type: str
    primary_key: bool = False
    foreign_key: bool = False
    unique: bool = False
    not_null: bool = False


@dataclass(frozen=True)
class DiagramTable:
    """One table of the schema diagram."""

    name: str
    """Qualified ``schema.table``."""
    columns: tuple[DiagramColumn, ...] = ()


@dataclass(frozen=True)
class DiagramRelation:
    """A foreign key from ``child`` to ``parent`` (qualified table names)."""

    child: str
    parent: str
    columns: tuple[str, ...]
    name: str = ""
    on_delete: str = "no action"
    optional: bool = False
    """True when a referencing column is nullable (zero-or-one parent)."""


@dataclass(frozen=True)
class SchemaDiagram:
    """The audited schema's shape for the report's ER diagram (tables, keys, FKs).

    Built from a :class:`~auditor.catalog.model.CatalogModel` by
    :func:`auditor.report.diagram.schema_diagram`. Failing requirements are marked at
    render time from the findings whose ``location.object`` names a table or column.
    """

    tables: tuple[DiagramTable, ...] = ()
    relations: tuple[DiagramRelation, ...] = ()
    failing: tuple[tuple[str, str], ...] = ()
    """Extra (object, rule id) marks; objects are ``schema.table`` or ``schema.table.column``."""
    origins: tuple[tuple[str, str, int], ...] = ()
    """(object, file, line): where each object was created, when known (static model).

    Renderers use it to locate a finding that names only a database object at the
    migration that created it (SARIF code-scanning alerts need a file)."""

    def origin_of(self, obj: str) -> tuple[str, int] | None:
        """The migration file and line that created ``obj`` (or its table), if known."""
        table = {o: (f, n) for o, f, n in self.origins}
        if "." not in obj:
            obj = f"public.{obj}"
        found = table.get(obj)
        if found is None and obj.count(".") >= 2:
            found = table.get(obj.rsplit(".", 1)[0])
        return found


@dataclass(frozen=True)
class Advisory:
    """One vulnerability affecting a pinned dependency (aliases already merged).

    The dependencies family finds them; a :class:`Component` of the SBOM carries them.
    """

    id: str
    """Primary id (PYSEC, then CVE, then others)."""
    aliases: tuple[str, ...] = ()
    """Every other id of the same vulnerability, sorted."""
    summary: str = ""
    affected: str = ""
    """The affected versions as the advisory states them (ranges and listed versions)."""
    fixed: tuple[str, ...] = ()
    """Versions that fix it, ascending."""
    severity: Severity | None = None
    """From the CVSS vector; None when the advisory has none (``unknown``)."""
    score: float | None = None
    """CVSS base score, when a vector was present."""
    vector: str | None = None
    """The CVSS vector the severity was computed from."""
    informational: str | None = None
    """Not a vulnerability but a RustSec informational advisory: ``unmaintained``,
    ``unsound`` or ``notice`` (reported by DEP005-DEP007, not DEP001)."""

    def ids(self) -> frozenset[str]:
        """The primary id and every alias."""
        return frozenset((self.id, *self.aliases))


@dataclass(frozen=True)
class Component:
    """One audited dependency: what a CycloneDX SBOM lists (one per pin and lock file)."""

    name: str
    version: str | None
    """The pinned version; None when the dependency could not be pinned (see ``skip_reason``)."""
    ecosystem: str
    """The OSV ecosystem (``PyPI``, ``crates.io``, ``npm``, ``Go``)."""
    file: str
    """The input it was read from, relative to the project (``(environment)`` for --env)."""
    line: int | None = None
    purl: str | None = None
    """The package URL (``pkg:cargo/serde@1.0.0``), when the ecosystem has a purl type."""
    vulnerabilities: tuple[Advisory, ...] = ()
    ignored: tuple[tuple[str, str], ...] = ()
    """(advisory id, ``until DATE: reason``) of each advisory the configuration ignores."""
    skip_reason: str | None = None
    """Why it could not be audited, else None."""
    upgrade: str | None = None
    """The smallest version that fixes every known vulnerability of the package."""


@dataclass(frozen=True)
class FamilyResult:
    """Everything one family of checks produced."""

    family: str
    title: str
    findings: tuple[Finding, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    errors: tuple[AuditError, ...] = ()
    verified: tuple[Verified, ...] = ()
    checked: tuple[tuple[str, int], ...] = ()
    """What was looked at, as counts: (("migrations", 4), ("statements", 31))."""
    notes: tuple[str, ...] = ()
    """Short remarks for the report (e.g. 'static model: no database available')."""
    also_evaluated: tuple[str, ...] = ()
    """Rule families besides its own whose rules this result evaluated in full (the
    static family runs the schema rules): their waivers can be judged stale."""
    rules: tuple[str, ...] = ()
    """Ids of the rules evaluated (JUnit: one case each); empty means every registered
    rule of the family plus the rules of its findings."""
    schema_diagram: SchemaDiagram | None = None
    """The audited schema's shape, when the family has one (rendered as a mermaid ER diagram)."""
    inventory: tuple[Component, ...] = ()
    """The dependencies audited, when the family has them (rendered as a CycloneDX SBOM)."""
    history: tuple[Finding, ...] = ()
    """Findings on what is already on the base (lint: migrations already applied), each
    marked ``baseline="existing"``: listed in full in JSON and SARIF, counted in the
    family's notes, never failing the gate and not in :attr:`Report.findings`."""


@dataclass(frozen=True)
class Metadata:
    """What was audited, when, and by which version of the tool."""

    tool_version: str
    started_at: str
    """ISO-8601 UTC timestamp."""
    finished_at: str
    project: str
    """The audited project root as given (relative or absolute)."""
    target: str | None = None
    """The audited database, password redacted, or None when no database was used."""
    fail_on: Severity = Severity.HIGH
    notices: tuple[str, ...] = ()
    """Things the user must know about how the audit ran (read-only session, timeouts)."""
    profile: str | None = None
    """The audit profile (``pre-push``, ``ci``, ``full``), when one was chosen."""
    fail_on_new: bool = False
    """True when only findings new versus the baseline fail the gate (``--fail-on-new``)."""
    baseline: str | None = None
    """The baseline report compared against (its path as given), or None."""


@dataclass(frozen=True)
class Report:
    """The whole audit: one per run; every renderer reads only this."""

    metadata: Metadata
    families: tuple[FamilyResult, ...] = ()
    waived: tuple[Waived, ...] = ()
    """Findings accepted by a waiver: listed, but never failing the gate."""

    @cached_property
    def findings(self) -> tuple[Finding, ...]:
        """Every family's findings, most severe first (computed once: renderers read it often)."""
        return tuple(
            sorted((f for fam in self.families for f in fam.findings), key=Finding.sort_key)
        )

    @property
    def skipped(self) -> tuple[Skipped, ...]:
        return tuple(s for fam in self.families for s in fam.skipped)

    @property
    def errors(self) -> tuple[AuditError, ...]:
        return tuple(e for fam in self.families for e in fam.errors)

    @property
    def verified(self) -> tuple[Verified, ...]:
        return tuple(v for fam in self.families for v in fam.verified)

    def counts(self) -> dict[Severity, int]:
        """Number of findings per severity, every severity present."""
        counts = dict.fromkeys(Severity, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def failing(self) -> tuple[Finding, ...]:
        """Findings at or above the ``fail_on`` threshold (only new ones with ``fail_on_new``)."""
        return tuple(
            f
            for f in self.findings
            if f.severity >= self.metadata.fail_on
            and not (self.metadata.fail_on_new and f.baseline == "existing")
        )

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings at or above the threshold, 2 incomplete (fail closed)."""
        if self.errors:
            return 2
        return 1 if self.failing() else 0

    @property
    def verdict(self) -> str:
        """``passed``, ``failed`` or ``incomplete``."""
        return {0: "passed", 1: "failed", 2: "incomplete"}[self.exit_code]
