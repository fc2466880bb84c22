"""The controls of the CIS PostgreSQL benchmark, and each one's status in a report.

:data:`CONTROLS` lists every control of :data:`~auditor.core.references.CIS_BENCHMARK`
(pgdsat's numbering), each marked as checkable from SQL or not (file permissions,
packages, partitions need the server's operating system), so a report grouped by
control is complete against the benchmark. Which rules evidence which control is the
one table in :mod:`auditor.core.references`.
"""

from __future__ import annotations

from dataclasses import dataclass

from auditor.core.findings import Finding, Report
from auditor.core.references import cis_controls, references_of
from auditor.core.rules import all_rules

SQL = "sql"
OS = "os"
MANUAL = "manual"


@dataclass(frozen=True)
class CisControl:
    """One control of the benchmark."""

    id: str
    title: str
    checkable: str = SQL
    """``sql`` (readable from a database session), ``os`` (needs the server's operating
    system) or ``manual`` (a review the benchmark itself leaves to a person)."""


CONTROLS: tuple[CisControl, ...] = (
    CisControl("1.1", "Packages are obtained from authorized repositories", OS),
    CisControl("1.2", "systemd service files are enabled", OS),
    CisControl("1.3.1", "PGDATA is initialized", OS),
    CisControl("1.3.2", "PG_VERSION in PGDATA matches the server", OS),
    CisControl("1.3.3", "The data cluster has checksums enabled"),
    CisControl("1.3.4", "WAL and temporary files are not on the PGDATA partition", OS),
    CisControl("1.3.5", "The PGDATA partition is encrypted", OS),
    CisControl("1.4", "PostgreSQL versions are up to date"),
    CisControl("1.5", "Unused extensions are removed"),
    CisControl("1.6", "Tablespace locations are not inside PGDATA"),
    CisControl("2.1", "The file permissions mask is correct", OS),
    CisControl("2.2", "PGDATA permissions are 0700", OS),
    CisControl("2.3", "PGDATA holds no unwanted files or symlinks", OS),
    CisControl("2.4", "pg_hba.conf permissions are 0640 or stricter", OS),
    CisControl("2.5", "The Unix socket permissions are restricted", OS),
    CisControl("3.1.2", "The log destinations are set correctly"),
    CisControl("3.1.3", "The logging collector is enabled"),
    CisControl("3.1.4", "The log file directory is set correctly"),
    CisControl("3.1.5", "The log file name pattern is set correctly"),
    CisControl("3.1.6", "The log file permissions are set correctly"),
    CisControl("3.1.7", "log_truncate_on_rotation is enabled"),
    CisControl("3.1.8", "The maximum log file lifetime is set correctly"),
    CisControl("3.1.9", "The maximum log file size is set correctly"),
    CisControl("3.1.10", "The correct syslog facility is selected"),
    CisControl("3.1.11", "syslog messages are not suppressed"),
    CisControl("3.1.12", "syslog messages are not lost due to size"),
    CisControl("3.1.13", "The syslog program name is correct"),
    CisControl("3.1.14", "The correct messages are written to the server log"),
    CisControl("3.1.15", "SQL statements generating errors are recorded"),
    CisControl("3.1.16", "debug_print_parse is disabled"),
    CisControl("3.1.17", "debug_print_rewritten is disabled"),
    CisControl("3.1.18", "debug_print_plan is disabled"),
    CisControl("3.1.19", "debug_pretty_print is enabled"),
    CisControl("3.1.20", "log_connections is enabled"),
    CisControl("3.1.21", "log_disconnections is enabled"),
    CisControl("3.1.22", "log_error_verbosity is set correctly"),
    CisControl("3.1.23", "log_hostname is set correctly"),
    CisControl("3.1.24", "log_line_prefix is set correctly"),
    CisControl("3.1.25", "log_statement is set correctly"),
    CisControl("3.1.26", "log_timezone is set correctly"),
    CisControl("3.1.27", "log_directory is outside PGDATA"),
    CisControl("3.2", "The pgAudit extension is enabled"),
    CisControl("4.1", "sudo is configured correctly", OS),
    CisControl("4.2", "Excessive administrative privileges are revoked"),
    CisControl("4.3", "Excessive function privileges are revoked"),
    CisControl("4.4", "Excessive DML privileges are revoked"),
    CisControl("4.5", "Row-level security is configured correctly"),
    CisControl("4.6", "The set_user extension is installed"),
    CisControl("4.7", "Predefined roles are used", MANUAL),
    CisControl("4.8", "The public schema is protected"),
    CisControl("5.1", 'Login via "local" Unix domain socket is configured correctly'),
    CisControl("5.2", 'Login via "host" TCP/IP socket is configured correctly'),
    CisControl("5.3", "Password complexity is configured"),
    CisControl("5.4", "Authentication timeout and delay are configured"),
    CisControl("5.5", "SSL is used for client connections"),
    CisControl("5.6", "Authorized IP address ranges are not too large"),
    CisControl("5.7", "Specific databases and users are used"),
    CisControl("5.8", "Superusers are not allowed to connect remotely"),
    CisControl("5.9", "password_encryption is set correctly"),
    CisControl("6.2", "'backend' runtime parameters are configured correctly"),
    CisControl("6.3", "'postmaster' runtime parameters are configured correctly", MANUAL),
    CisControl("6.4", "'SIGHUP' runtime parameters are configured correctly", MANUAL),
    CisControl("6.5", "'superuser' runtime parameters are configured correctly", MANUAL),
    CisControl("6.6", "'user' runtime parameters are configured correctly", MANUAL),
    CisControl("6.7", "FIPS 140-2 OpenSSL cryptography is used", OS),
    CisControl("6.8", "TLS is enabled and configured correctly"),
    CisControl("6.9", "A cryptographic extension is installed"),
    CisControl("6.10", "A data anonymization extension is installed"),
    CisControl("7.1", "A replication-only user is used for streaming replication"),
    CisControl("7.2", "Logging of replication commands is configured"),
    CisControl("7.3", "Base backups are configured and functional", OS),
    CisControl("7.4", "WAL archiving is configured and functional"),
    CisControl("7.5", "Streaming replication parameters are configured correctly"),
    CisControl("8.1", "Subdirectory locations are outside the data cluster"),
    CisControl("8.2", "pgBackRest is installed and configured", OS),
    CisControl("8.3", "Miscellaneous configuration settings are correct", OS),
)


def rules_for(control: str, family: str = "hardening") -> tuple[str, ...]:
    """The ids of ``family``'s rules that evidence ``control`` (a finding of any family's
    rule fails it; the server's rules decide whether it passed)."""
    return tuple(
        r.id
        for r in all_rules()
        if r.family == family and control in cis_controls(references_of(r.id, r.family))
    )


@dataclass(frozen=True)
class ControlStatus:
    """One control's status in one report."""

    control: CisControl
    status: str
    """``failed``, ``passed``, ``not checked`` or ``not checkable from SQL``."""
    why: str
    """The evidence (passed), the reason (not checked) or the rules (failed)."""
    findings: tuple[Finding, ...] = ()


def control_statuses(report: Report) -> tuple[ControlStatus, ...]:
    """Every control of the benchmark with its status in ``report``."""
    verified = {v.what.split()[0]: v.evidence for fam in report.families for v in fam.verified}
    skipped = [s for fam in report.families for s in fam.skipped]
    unread = {s.what.split()[0] for s in skipped}
    ran = {f.rule_id for f in report.findings} - unread
    out = []
    for control in CONTROLS:
        rule_ids = rules_for(control.id)
        hits = tuple(f for f in report.findings if control.id in cis_controls(f.references))
        if hits:
            ids = sorted({f.rule_id for f in hits})
            out.append(ControlStatus(control, "failed", ", ".join(ids), hits))
        elif control.checkable != SQL:
            kind = "needs the operating system" if control.checkable == OS else "a manual review"
            out.append(ControlStatus(control, "not checkable from SQL", kind))
        elif not rule_ids:
            out.append(ControlStatus(control, "not checked", "no rule covers it yet"))
        elif all(r in verified or r in ran for r in rule_ids):
            evidence = "; ".join(
                f"{r}: {verified.get(r) or 'ran; its findings are about other controls'}"
                for r in rule_ids
            )
            out.append(ControlStatus(control, "passed", evidence))
        else:
            reasons = [
                f"{s.what}: {s.reason}" for s in skipped if any(r in s.what for r in rule_ids)
            ]
            missing = [r for r in rule_ids if r not in verified and r not in ran]
            why = "; ".join(reasons) or f"{', '.join(missing)} not run (not selected)"
            out.append(ControlStatus(control, "not checked", why))
    return tuple(out)
