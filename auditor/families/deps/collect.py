"""Run a dependency audit: collect pins, query the service, build the model the rules read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from auditor.families.deps.model import Advisory, AuditedDependency, DepsAudit, Pin
from auditor.families.deps.services.osv_api import OsvApi
from auditor.families.deps.services.osv_db import OsvDatabase
from auditor.families.deps.services.results import from_pip_audit, from_record, merge
from auditor.families.deps.services.versions import ECOSYSTEMS, PYPI, display, parse_version
from auditor.families.deps.settings import DepsSettings
from auditor.families.deps.sources.detect import source_for
from auditor.families.deps.sources.interface import DependencySource, SourceError, relative

if TYPE_CHECKING:
    from pip_audit._service.interface import VulnerabilityService

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
        # imports importlib.metadata: only for --env
        from auditor.families.deps.sources.environment import EnvironmentSource

        found.append(EnvironmentSource())
    return found


def run_audit(
    inputs: Inputs,
    project: Path,
    settings: DepsSettings,
    today: dt.date | None = None,
    service: VulnerabilityService | None = None,
    api: OsvApi | None = None,
) -> DepsRun:
    """Collect, query and model. Raise ``SourceError``, ``DatabaseError`` or ``ServiceUnreachable``."""
    # a file both detected and included with -r is read twice: keep each pin once
    pins = list(
        dict.fromkeys(
            pin for source in sources(inputs, project, settings.resolve) for pin in source.collect()
        )
    )
    database: OsvDatabase | None = None
    if service is None and settings.databases():
        database = open_database(settings.databases())
    elif isinstance(getattr(service, "database", None), OsvDatabase):
        database = service.database  # type: ignore[union-attr]  # an OfflineOsvService
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
    if database is None and service is None and any(p.ecosystem == PYPI for p in kept):
        from auditor.families.deps.services.online import online_service  # imports pip-audit

        service = online_service(settings.service, settings.timeout)
    online: OsvDatabase | None = None
    others = [p for p in kept if p.ecosystem != PYPI and p.version is not None]
    if database is None and others:  # the OSV API (check_coverage allowed only that)
        online = (api or OsvApi(settings.osv_api, settings.timeout)).database(others)
    audited = audit_pins(kept, database, service, online)
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
        if online is not None:
            label += f"; the OSV API for {', '.join(sorted({p.ecosystem for p in others}))}"
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

    An offline database covers the ecosystems its records are about; online, PyPI's
    service covers PyPI only, the OSV API every ecosystem with a version order.
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
        if database is None and ecosystem != PYPI and service != "osv":
            raise SourceError(
                f"{', '.join(named)}: no advisory source for {ecosystem}: the online {service}"
                f" service covers PyPI only; give --advisory-db with an OSV {ecosystem} export,"
                " or --service osv"
            )


def audit_pins(
    pins: Sequence[Pin],
    database: OsvDatabase | None,
    service: VulnerabilityService | None = None,
    online: OsvDatabase | None = None,
) -> list[AuditedDependency]:
    """Query once per distinct ecosystem, name and version; keep every pin's place.

    With a ``database`` every pin is matched offline. Otherwise ``service`` (pip-audit)
    answers for PyPI pins, and ``online`` (the records the OSV API named) for the others.
    """
    answers: dict[tuple[str, str, str], AuditedDependency] = {}
    audited: list[AuditedDependency] = []
    for pin in pins:
        if pin.version is None:
            audited.append(AuditedDependency(pin, skip_reason=pin.skip_reason or "not pinned"))
            continue
        key = (pin.ecosystem, pin.canonical_name, pin.version)
        if key not in answers:
            if database is not None or pin.ecosystem != PYPI:
                matched = database or online
                assert matched is not None  # check_coverage ran first
                answers[key] = _query_offline(pin, pin.version, matched)
            else:
                assert service is not None
                answers[key] = _query_online(pin, pin.version, service)
        audited.append(replace(answers[key], pin=pin))
    return audited


def _query_offline(pin: Pin, text: str, database: OsvDatabase) -> AuditedDependency:
    """A pin of any ecosystem the database covers, matched in that ecosystem's version order."""
    try:
        version = parse_version(pin.ecosystem, text)
    except ValueError:
        return AuditedDependency(pin, skip_reason=f"invalid version {text!r}")
    broken = database.malformed(pin.name, pin.ecosystem)
    if broken:  # a record that cannot be read may affect this version: unknown, not safe
        shown = ", ".join(broken[:3]) + (" ..." if len(broken) > 3 else "")
        return AuditedDependency(pin, skip_reason=f"malformed advisory record ({shown})")
    found = [from_record(r) for r in database.affecting(pin.name, version, pin.ecosystem)]
    advisories = merge(found, pin.ecosystem)
    upgrade = None
    if advisories:
        safe = database.smallest_safe(pin.name, version, pin.ecosystem)
        upgrade = display(pin.ecosystem, safe) if safe is not None else None
    return AuditedDependency(pin, tuple(advisories), upgrade=upgrade)


def _query_online(pin: Pin, text: str, service: VulnerabilityService) -> AuditedDependency:
    """A PyPI pin through a pip-audit service."""
    from pip_audit._service.interface import ResolvedDependency, SkippedDependency

    try:
        version = Version(text)
    except InvalidVersion:
        return AuditedDependency(pin, skip_reason=f"invalid version {text!r}")
    dep, results = service.query(ResolvedDependency(name=pin.name, version=version))
    if isinstance(dep, SkippedDependency):
        return AuditedDependency(pin, skip_reason=dep.skip_reason)
    advisories = merge(from_pip_audit(r) for r in results)
    upgrade = _upgrade_from_fixes(version, advisories) if advisories else None
    return AuditedDependency(pin, tuple(advisories), upgrade=str(upgrade) if upgrade else None)


def _upgrade_from_fixes(version: Version, advisories: Iterable[Advisory]) -> Version | None:
    """Without ranges: the largest of each vulnerability's smallest fix above ``version``."""
    needed: list[Version] = []
    for advisory in advisories:
        fixes = [Version(v) for v in advisory.fixed if Version(v) > version]
        if not fixes:
            return None
        needed.append(min(fixes))
    return max(needed) if needed else None
