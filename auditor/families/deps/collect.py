"""Run a dependency audit: collect pins, query the service, build the model the rules read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pip_audit._service.interface import (
    ResolvedDependency,
    SkippedDependency,
    VulnerabilityResult,
    VulnerabilityService,
)

from auditor.families.deps.model import Advisory, AuditedDependency, DepsAudit, Pin
from auditor.families.deps.services.offline import OfflineOsvService, OsvResult, id_order
from auditor.families.deps.services.online import online_service
from auditor.families.deps.services.osv_db import OsvDatabase
from auditor.families.deps.services.versions import ECOSYSTEMS, PYPI, display, sort_key
from auditor.families.deps.settings import DepsSettings
from auditor.families.deps.severity import best_vector, from_score
from auditor.families.deps.sources.detect import source_for
from auditor.families.deps.sources.environment import EnvironmentSource
from auditor.families.deps.sources.interface import DependencySource, SourceError, relative

_DATABASES: dict[tuple[tuple[str, int, int], ...], OsvDatabase] = {}


def open_database(paths: Path | Sequence[Path]) -> OsvDatabase:
    """Load OSV exports as one database, reusing one already loaded in this process when unchanged.

    Only export files are reused (keyed by their sizes and modification times); a
    directory is read again, since editing a file inside it leaves no trace on it.
    """
    resolved = [p.resolve() for p in ((paths,) if isinstance(paths, Path) else paths)]
    if any(p.is_dir() for p in resolved):
        return OsvDatabase(resolved)
    try:
        key = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in resolved)
    except OSError:
        return OsvDatabase(resolved)  # raises DatabaseError naming the path
    database = _DATABASES.get(key)
    if database is None:
        database = OsvDatabase(resolved)
        _DATABASES[key] = database
    return database


@dataclass(frozen=True)
class Inputs:
    """What to audit: files and/or the running environment."""

    files: tuple[Path, ...] = ()
    environment: bool = False


@dataclass(frozen=True)
class DepsRun:
    """The result of collecting and querying: the rules' input plus what the report needs."""

    audit: DepsAudit
    exempted: tuple[tuple[str, str], ...] = ()
    """(pin label and place, reason) of dependencies exempted by configuration."""
    warnings: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    service: str = ""
    """Which vulnerability service answered."""


def sources(inputs: Inputs, project: Path, resolve: bool) -> list[DependencySource]:
    """One source per input file, plus the environment when asked."""
    found: list[DependencySource] = [source_for(path, project, resolve) for path in inputs.files]
    if inputs.environment:
        found.append(EnvironmentSource())
    return found


def run_audit(
    inputs: Inputs,
    project: Path,
    settings: DepsSettings,
    today: dt.date | None = None,
    service: VulnerabilityService | None = None,
) -> DepsRun:
    """Collect, query and model. Raise ``SourceError``, ``DatabaseError`` or ``ServiceUnreachable``."""
    # a file both detected and included with -r is read twice: keep each pin once
    pins = list(
        dict.fromkeys(
            pin for source in sources(inputs, project, settings.resolve) for pin in source.collect()
        )
    )
    database: OsvDatabase | None = None
    if service is None:
        if settings.databases():
            database = open_database(settings.databases())
            service = OfflineOsvService(database)
        else:
            service = online_service(settings.service, settings.timeout)
    elif isinstance(service, OfflineOsvService):
        database = service.database
    kept = [p for p in pins if not p.local and _exempt_key(p) not in settings.exempt]
    check_coverage(kept, database, settings.service)
    exempted = [
        (
            f"{p.label} ({p.origin.file}{f':{p.origin.line}' if p.origin.line else ''})",
            f"exempt: {settings.exempt[_exempt_key(p)]}"
            if _exempt_key(p) in settings.exempt
            else f"{p.skip_reason}: the project's own code, no published version to audit",
        )
        for p in pins
        if p.local or _exempt_key(p) in settings.exempt
    ]
    audited = audit_pins(kept, service)
    now = dt.datetime.combine(today, dt.time(), tzinfo=dt.UTC) if today else None
    model = DepsAudit(
        dependencies=tuple(audited),
        ignores=settings.ignores,
        today=today or dt.date.today(),
        unknown_severity=settings.unknown_severity,
        unauditable_severity=settings.unauditable_severity,
        database=str(database.stalest) if database is not None else None,
        database_age_days=database.age_days(now) if database is not None else None,
        max_database_age_days=settings.max_db_age_days,
        config_file=settings.config_file,
    )
    if database is not None:
        shown = ", ".join(str(p) for p in database.paths)
        label = f"offline OSV database {shown} ({database.records} records)"
    else:
        label = f"{settings.service} (online, through pip-audit)"
    return DepsRun(
        audit=model,
        exempted=tuple(exempted),
        warnings=tuple(database.warnings) if database is not None else (),
        inputs=tuple(
            sorted({p.origin.file for p in pins} | {relative(f, project) for f in inputs.files})
        ),
        service=label,
    )


def _exempt_key(pin: Pin) -> str:
    return str(canonicalize_name(pin.name))


def check_coverage(pins: Sequence[Pin], database: OsvDatabase | None, service: str) -> None:
    """Fail closed: every ecosystem of an auditable pin has an advisory source, else ``SourceError``.

    An offline database covers the ecosystems its records are about; the online
    services (through pip-audit) cover PyPI only.
    """
    files: dict[str, list[str]] = {}
    for pin in pins:
        if pin.version is not None:
            files.setdefault(pin.ecosystem, [])
            if pin.origin.file not in files[pin.ecosystem]:
                files[pin.ecosystem].append(pin.origin.file)
    for ecosystem, named in files.items():
        if ecosystem not in ECOSYSTEMS:
            raise SourceError(f"{', '.join(named)}: no version order known for {ecosystem}")
        if database is not None and not database.covers(ecosystem):
            raise SourceError(
                f"{', '.join(named)}: no advisory source for {ecosystem}: the offline database"
                f" ({', '.join(str(p) for p in database.paths)}) has no {ecosystem} record;"
                f" add --advisory-db with an OSV {ecosystem} export"
            )
        if database is None and ecosystem != PYPI:
            raise SourceError(
                f"{', '.join(named)}: no advisory source for {ecosystem}: the online {service}"
                f" service covers PyPI only; give --advisory-db with an OSV {ecosystem} export"
            )


def audit_pins(pins: Sequence[Pin], service: VulnerabilityService) -> list[AuditedDependency]:
    """Query ``service`` once per distinct name and version; keep every pin's place."""
    answers: dict[tuple[str, str, str], AuditedDependency] = {}
    audited: list[AuditedDependency] = []
    for pin in pins:
        if pin.version is None:
            audited.append(AuditedDependency(pin, skip_reason=pin.skip_reason or "not pinned"))
            continue
        key = (pin.ecosystem, pin.canonical_name, pin.version)
        if key not in answers:
            answers[key] = _query(pin, service)
        audited.append(replace(answers[key], pin=pin))
    return audited


def _query(pin: Pin, service: VulnerabilityService) -> AuditedDependency:
    assert pin.version is not None
    if pin.ecosystem != PYPI:
        assert isinstance(service, OfflineOsvService)  # check_coverage guarantees it
        return _query_offline(pin, service)
    try:
        version = Version(pin.version)
    except InvalidVersion:
        return AuditedDependency(pin, skip_reason=f"invalid version {pin.version!r}")
    dep, results = service.query(ResolvedDependency(name=pin.name, version=version))
    if isinstance(dep, SkippedDependency):
        return AuditedDependency(pin, skip_reason=dep.skip_reason)
    advisories = merge(results)
    upgrade: Version | None = None
    if advisories:
        if isinstance(service, OfflineOsvService):
            upgrade = service.smallest_safe(pin.name, version)
        else:
            upgrade = _upgrade_from_fixes(version, advisories)
    return AuditedDependency(pin, tuple(advisories), upgrade=str(upgrade) if upgrade else None)


def _query_offline(pin: Pin, service: OfflineOsvService) -> AuditedDependency:
    """A pin of any ecosystem the offline database covers, in that ecosystem's version order."""
    assert pin.version is not None
    found = service.lookup(pin.ecosystem, pin.name, pin.version)
    if found is None:
        return AuditedDependency(
            pin, skip_reason=f"invalid {pin.ecosystem} version {pin.version!r}"
        )
    advisories = merge(found, pin.ecosystem)
    upgrade = None
    if advisories:
        safe = service.database.smallest_safe(
            pin.name, service.parsed(pin.ecosystem, pin.version), pin.ecosystem
        )
        upgrade = display(pin.ecosystem, safe) if safe is not None else None
    return AuditedDependency(pin, tuple(advisories), upgrade=upgrade)


def _upgrade_from_fixes(version: Version, advisories: Iterable[Advisory]) -> Version | None:
    """Without ranges: the largest of each vulnerability's smallest fix above ``version``."""
    needed: list[Version] = []
    for advisory in advisories:
        fixes = [Version(v) for v in advisory.fixed if Version(v) > version]
        if not fixes:
            return None
        needed.append(min(fixes))
    return max(needed) if needed else None


def merge(results: Iterable[VulnerabilityResult], ecosystem: str = PYPI) -> list[Advisory]:
    """One :class:`Advisory` per vulnerability: results sharing any id or alias are merged."""
    items = list(results)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for index, result in enumerate(items):
        for ident in (result.id, *result.aliases):
            if ident in owner:
                parent[root(index)] = root(owner[ident])
            else:
                owner[ident] = index
    groups: dict[int, list[VulnerabilityResult]] = {}
    for index, result in enumerate(items):
        groups.setdefault(root(index), []).append(result)
    return sorted((_advisory(g, ecosystem) for g in groups.values()), key=lambda a: a.id)


def _advisory(group: list[VulnerabilityResult], ecosystem: str) -> Advisory:
    ids = sorted({str(i) for r in group for i in (r.id, *r.aliases)}, key=id_order)
    texts = {str(v) for r in group for v in r.fix_versions}
    texts |= {t for r in group if isinstance(r, OsvResult) for t in r.fixed}
    fixed = sorted(texts, key=lambda text: sort_key(ecosystem, text))
    vectors = [pair for r in group if isinstance(r, OsvResult) for pair in r.severity]
    scored = best_vector(vectors)
    affected = "; ".join(
        dict.fromkeys(r.affected for r in group if isinstance(r, OsvResult) and r.affected)
    )
    described = sorted(group, key=lambda r: id_order(str(r.id)))  # the primary id's text first
    summary = next(
        (r.description for r in described if r.description and r.description != "N/A"), ""
    )
    return Advisory(
        id=ids[0],
        aliases=tuple(sorted(ids[1:])),
        summary=summary,
        affected=affected,
        fixed=tuple(fixed),
        severity=from_score(scored[1]) if scored else None,
        score=scored[1] if scored else None,
        vector=scored[0] if scored else None,
        informational=next(
            (r.informational for r in group if isinstance(r, OsvResult) and r.informational),
            None,
        ),
    )
