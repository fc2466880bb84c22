"""Hardening rules on the server's release: end of life and the latest minor version."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.core.findings import Hit, Location, Severity
from auditor.core.rules import rule
from auditor.families.hardening import versions
from auditor.families.hardening.policy import FAMILY, HardeningAudit

# --- server version --------------------------------------------------------------


def _version_evidence(audit: HardeningAudit) -> tuple[tuple[str, str], ...]:
    return (
        ("server_version", audit.facts.version),
        ("server_version_num", str(audit.facts.version_num)),
        ("version table as of", versions.AS_OF.isoformat()),
    )


@rule(
    "HRD018", FAMILY, Severity.HIGH, "The server version is supported by the PostgreSQL community"
)
def end_of_life(audit: HardeningAudit) -> Iterator[Hit]:
    """The server's major version reached its end of life (table kept in the package,
    with its date): it no longer receives security fixes.

    Bad:

        server_version = '13.16'    # PostgreSQL 13: end of life 2025-11-13

    Good:

        server_version = '17.12'
    """
    major = versions.split_version_num(audit.facts.version_num)[0]
    if major < versions.OLDEST_KNOWN:
        yield Hit(
            message=f"PostgreSQL {audit.facts.version} is long out of community support",
            location=Location(object="server"),
            fix="upgrade to a supported major version (pg_upgrade)",
            evidence=_version_evidence(audit),
        )
        return
    entry = versions.major_version(major)
    if entry is not None and entry.end_of_life < audit.policy.today:
        yield Hit(
            message=f"PostgreSQL {major} reached its end of life on {entry.end_of_life.isoformat()}",
            location=Location(object="server"),
            fix="upgrade to a supported major version (pg_upgrade)",
            evidence=(*_version_evidence(audit), ("end of life", entry.end_of_life.isoformat())),
        )


@rule(
    "HRD019",
    FAMILY,
    Severity.MEDIUM,
    "The server runs the latest minor release of its major version",
)
def behind_latest_minor(audit: HardeningAudit) -> Iterator[Hit]:
    """The server runs an older minor release than the latest one the tool knows for
    its major version. Minor releases are mostly security and data-corruption fixes,
    and installing one is a restart.

    Bad:

        server_version = '15.4'     # latest known: 15.20

    Good:

        server_version = '15.20'
    """
    major, minor = versions.split_version_num(audit.facts.version_num)
    entry = versions.major_version(major)
    if entry is not None and minor < entry.latest_minor:
        yield Hit(
            message=f"PostgreSQL {major}.{minor} is behind the latest minor release {major}.{entry.latest_minor}",
            location=Location(object="server"),
            fix=f"install PostgreSQL {major}.{entry.latest_minor} and restart",
            evidence=(*_version_evidence(audit), ("latest minor", f"{major}.{entry.latest_minor}")),
        )


STALE_AFTER_DAYS = 120
"""The version table is stale when older than this (one quarterly release missed)."""


@rule("HRD041", FAMILY, Severity.LOW, "The tool's PostgreSQL version table is recent")
def stale_version_table(audit: HardeningAudit) -> Iterator[Hit]:
    """The version table HRD018 and HRD019 compare with is more than 120 days old on
    the audit day: a minor release (or an end of life) may have passed unseen. Update
    the tool (or ``auditor/families/hardening/versions.py``).

    Bad:

        today = '2027-06-01'      # the table is dated 2026-11-25

    Good:

        today = '2026-12-01'
    """
    age = (audit.policy.today - versions.AS_OF).days
    if age > STALE_AFTER_DAYS:
        yield Hit(
            message=f"the PostgreSQL version table is {age} days old (as of {versions.AS_OF}): HRD018 and HRD019 may miss a release",
            location=Location(object="auditor:versions"),
            fix="upgrade auditor, or update auditor/families/hardening/versions.py from postgresql.org",
            evidence=(
                ("as of", versions.AS_OF.isoformat()),
                ("audit day", audit.policy.today.isoformat()),
            ),
        )
