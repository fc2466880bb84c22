"""Rules on dependencies: known vulnerabilities, unauditable pins, stale ignores and databases.

Input: a :class:`~auditor.families.deps.model.DepsAudit`, built by the dependency
audit (sources and a vulnerability service). These functions do no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.deps.model import Advisory, AuditedDependency, DepsAudit, Ignore

FAMILY = "dependencies"


def _location(dep: AuditedDependency) -> Location:
    return Location(file=dep.pin.origin.file, line=dep.pin.origin.line)


def active_ignore(audit: DepsAudit, advisory: Advisory) -> Ignore | None:
    """The unexpired ignore that covers ``advisory`` (by id or alias), if any."""
    for ignore in audit.ignores:
        if ignore.id in advisory.ids() and ignore.expires >= audit.today:
            return ignore
    return None


def ignored(audit: DepsAudit) -> Iterator[tuple[AuditedDependency, Advisory, Ignore]]:
    """Every vulnerability an unexpired ignore hides (for the report's notes)."""
    for dep in audit.dependencies:
        for advisory in dep.advisories:
            ignore = active_ignore(audit, advisory)
            if ignore is not None:
                yield dep, advisory, ignore


@rule("DEP001", FAMILY, Severity.HIGH, "No pinned dependency has a known vulnerability")
def known_vulnerability(audit: DepsAudit) -> Iterator[Hit]:
    """A pinned dependency is a version that a published advisory says is vulnerable.

    The severity comes from the advisory's CVSS vector (base score: 9.0+ critical,
    7.0+ high, 4.0+ medium, else low); an advisory without one gets the configured
    `unknown-severity` (default high). Aliases of one vulnerability (PYSEC, CVE, GHSA)
    make one finding, and the fix names the smallest upgrade that fixes every known
    vulnerability of the package.

    Bad:

        # requirements.txt
        jinja2==2.10        # PYSEC-2019-217 (CVE-2019-10906), sandbox escape

    Good:

        # requirements.txt
        jinja2==3.1.4
    """
    for dep in audit.dependencies:
        vulnerabilities = [a for a in dep.advisories if a.informational is None]
        advisories = [a for a in vulnerabilities if active_ignore(audit, a) is None]
        for advisory in advisories:
            severity = (
                advisory.severity if advisory.severity is not None else audit.unknown_severity
            )
            rated = (
                f"CVSS {advisory.score:g}"
                if advisory.score is not None
                else f"unknown severity, rated {audit.unknown_severity.label} by configuration"
            )
            also = f" ({', '.join(advisory.aliases)})" if advisory.aliases else ""
            summary = f": {advisory.summary}" if advisory.summary else ""
            if dep.upgrade:
                count = len(vulnerabilities)
                known = (
                    "the known vulnerability"
                    if count == 1
                    else f"all {count} known vulnerabilities"
                )
                fix = f"upgrade {dep.pin.name} to {dep.upgrade} or later (fixes {known} of {dep.pin.label})"
            elif advisory.fixed:
                fix = f"upgrade {dep.pin.name}; fixed in {', '.join(advisory.fixed)}"
            else:
                fix = f"no fixed version is known: replace {dep.pin.name}, or ignore {advisory.id} with a reason and an expiry"
            evidence = [
                ("id", advisory.id),
                ("aliases", ", ".join(advisory.aliases) or "-"),
                ("package", dep.pin.label),
                ("affected", advisory.affected or "-"),
                ("fixed", ", ".join(advisory.fixed) or "-"),
                ("upgrade", dep.upgrade or "-"),
                ("severity", f"{severity.label} ({rated})"),
            ]
            if advisory.vector:
                evidence.append(("cvss", advisory.vector))
            yield Hit(
                message=f"{dep.pin.label} has {advisory.id}{also} [{rated}]{summary}",
                location=_location(dep),
                fix=fix,
                key=f"{dep.pin.canonical_name}=={dep.pin.version}:{advisory.id}",
                evidence=tuple(evidence),
                severity=severity,
            )


@rule("DEP002", FAMILY, Severity.HIGH, "Every dependency can be audited")
def unauditable_dependency(audit: DepsAudit) -> Iterator[Hit]:
    """A dependency could not be checked for vulnerabilities, so the audit fails closed.

    An unpinned, editable, URL or path requirement has no version to look up; a package
    the service does not know cannot be checked. Each is a finding (configured
    `unauditable-severity`, default high) naming the reason; a threshold cannot hide
    it: below `--fail-on` the audit is incomplete (exit 2). Private packages that are
    never on a public index can be exempted by name, with a reason, in
    `[tool.auditor.deps.exempt]`.

    Bad:

        # requirements.txt
        requests>=2.0
        -e ./vendor/internal-lib

    Good:

        # requirements.txt
        requests==2.32.3
        -e ./vendor/internal-lib#egg=internal-lib   # named, so it can be exempted
        # pyproject.toml
        [tool.auditor.deps.exempt]
        internal-lib = "private package, audited in its own repository"
    """
    for dep in audit.dependencies:
        if dep.skip_reason is None:
            continue
        yield Hit(
            message=f"{dep.pin.label} could not be audited: {dep.skip_reason}",
            location=_location(dep),
            fix="pin it to an exact version from a package index, or exempt it in [tool.auditor.deps.exempt] with a reason",
            key=dep.pin.canonical_name,
            evidence=(("package", dep.pin.label), ("reason", dep.skip_reason)),
            severity=audit.unauditable_severity,
        )


@rule("DEP003", FAMILY, Severity.MEDIUM, "Ignored vulnerabilities are reviewed before they expire")
def expired_ignore(audit: DepsAudit) -> Iterator[Hit]:
    """An ignore in `[[tool.auditor.deps.ignore]]` is past its expiry date.

    An expired ignore stops ignoring: the vulnerability is reported again (DEP001), and
    the stale entry is reported here so that it is renewed with a fresh reason or removed.

    Bad:

        # requirements.txt
        jinja2==2.10
        # pyproject.toml
        [[tool.auditor.deps.ignore]]
        id = "PYSEC-2019-217"
        reason = "sandbox not used"
        expires = 2020-01-01

    Good:

        # pyproject.toml
        [[tool.auditor.deps.ignore]]
        id = "PYSEC-2019-217"
        reason = "sandbox not used; upgrade planned in JIRA-123"
        expires = 2099-01-01
    """
    for ignore in audit.ignores:
        if ignore.expires < audit.today:
            yield Hit(
                message=f"ignore of {ignore.id} expired on {ignore.expires.isoformat()} ({ignore.reason}); it no longer applies",
                location=Location(file=audit.config_file),
                fix="renew the expiry with a current reason, or remove the ignore",
                key=ignore.id,
                evidence=(("id", ignore.id), ("expires", ignore.expires.isoformat())),
            )


@rule("DEP004", FAMILY, Severity.LOW, "The offline advisory database is recent")
def stale_database(audit: DepsAudit) -> Iterator[Hit]:
    """The offline OSV database is older than `max-db-age-days` (default 7).

    Its age is the time since its newest record was modified. An old snapshot misses
    every advisory published since, so a clean result means less than it seems.

    Bad:

        # osv/PYSEC-2019-217.json (the newest record of the export; audited on 2026-11-25)
        {"id": "PYSEC-2019-217", "modified": "2026-01-01T00:00:00Z",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "urllib3"}, "versions": ["0.1"]}]}

    Good:

        # osv/PYSEC-2019-217.json (an export refreshed daily in CI)
        {"id": "PYSEC-2019-217", "modified": "2026-11-24T00:00:00Z",
         "affected": [{"package": {"ecosystem": "PyPI", "name": "urllib3"}, "versions": ["0.1"]}]}
    """
    age = audit.database_age_days
    if audit.database is None:
        return
    if age is None:
        yield Hit(
            message="advisory database has no 'modified' dates: its age is unknown",
            location=Location(file=audit.database),
            fix="use an OSV export whose records carry 'modified' timestamps",
            key="database-age",
        )
        return
    if age <= audit.max_database_age_days:
        return
    yield Hit(
        message=f"advisory database is {age} days old (limit {audit.max_database_age_days}); advisories published since are missed",
        location=Location(file=audit.database),
        fix="download a fresh OSV export for the audit",
        key="database-age",
        evidence=(("age-days", str(age)), ("limit-days", str(audit.max_database_age_days))),
    )


def _informational(audit: DepsAudit, kinds: tuple[str, ...], what: str) -> Iterator[Hit]:
    """A hit per informational advisory of one of ``kinds`` (an empty tuple: any other kind)."""
    known = ("unmaintained", "unsound")
    for dep in audit.dependencies:
        for advisory in dep.advisories:
            kind = advisory.informational
            if kind is None or active_ignore(audit, advisory) is not None:
                continue
            if (kind not in kinds) if kinds else (kind in known):
                continue
            summary = f": {advisory.summary}" if advisory.summary else ""
            if dep.upgrade and advisory.fixed:
                fix = f"upgrade {dep.pin.name} to {dep.upgrade} or later"
            else:
                fix = f"replace {dep.pin.name} ({what}), or ignore {advisory.id} with a reason and an expiry"
            yield Hit(
                message=f"{dep.pin.label} has {advisory.id} ({kind}){summary}",
                location=_location(dep),
                fix=fix,
                key=f"{dep.pin.canonical_name}=={dep.pin.version}:{advisory.id}",
                evidence=(
                    ("id", advisory.id),
                    ("package", dep.pin.label),
                    ("informational", kind),
                    ("affected", advisory.affected or "-"),
                    ("fixed", ", ".join(advisory.fixed) or "-"),
                ),
            )


@rule("DEP005", FAMILY, Severity.LOW, "No dependency is unmaintained")
def unmaintained_dependency(audit: DepsAudit) -> Iterator[Hit]:
    """A RustSec informational advisory says the crate is no longer maintained.

    Not a vulnerability (DEP001), but nobody will fix the next one: cargo-audit warns
    about it too. The severity can be changed in `[severity]`.

    Bad:

        # Cargo.lock
        [[package]]
        name = "yaml-rust"      # RUSTSEC-2024-0320: unmaintained
        version = "0.4.5"
        source = "registry+https://github.com/rust-lang/crates.io-index"

    Good:

        # Cargo.lock
        [[package]]
        name = "yaml-rust2"     # the maintained fork
        version = "0.10.0"
        source = "registry+https://github.com/rust-lang/crates.io-index"
    """
    return _informational(audit, ("unmaintained",), "unmaintained")


@rule("DEP006", FAMILY, Severity.MEDIUM, "No dependency has a known soundness bug")
def unsound_dependency(audit: DepsAudit) -> Iterator[Hit]:
    """A RustSec informational advisory says safe code of the crate can cause undefined behaviour.

    Bad:

        # Cargo.lock
        [[package]]
        name = "anyhow"         # RUSTSEC-2026-0190: unsound Error::downcast_mut
        version = "1.0.102"
        source = "registry+https://github.com/rust-lang/crates.io-index"

    Good:

        # Cargo.lock
        [[package]]
        name = "anyhow"
        version = "1.0.103"
        source = "registry+https://github.com/rust-lang/crates.io-index"
    """
    return _informational(audit, ("unsound",), "unsound")


@rule("DEP007", FAMILY, Severity.LOW, "No dependency has an open informational notice")
def noticed_dependency(audit: DepsAudit) -> Iterator[Hit]:
    """A RustSec informational advisory of another kind (``notice``) concerns the crate.

    Bad:

        # Cargo.lock
        [[package]]
        name = "example"        # an informational "notice" advisory
        version = "1.0.0"
        source = "registry+https://github.com/rust-lang/crates.io-index"

    Good:

        # Cargo.lock
        [[package]]
        name = "example"
        version = "1.1.0"       # past the notice, or the notice ignored with a reason
        source = "registry+https://github.com/rust-lang/crates.io-index"
    """
    return _informational(audit, (), "see the notice")
