"""Deterministic reports for the renderer tests and the benchmark (no clock, no absolute paths)."""

from __future__ import annotations

from auditor.catalog.model import (
    CatalogModel,
    Column,
    ForeignKey,
    Index,
    IndexKey,
    Origin,
    Table,
)
from auditor.core.findings import (
    AuditError,
    FamilyResult,
    Finding,
    Location,
    Metadata,
    Report,
    Severity,
    Skipped,
    Verified,
    Waived,
    fingerprint,
)
from auditor.report.diagram import schema_diagram

HOSTILE_FILE = "a|b`<img src=x onerror=alert(1)>.sql"
HOSTILE_SQL = "SELECT `x` | y FROM t; -- <script>alert(1)</script> **bold** [link](javascript:x)"


def finding(
    rule_id: str,
    severity: Severity,
    family: str,
    message: str,
    location: Location,
    fix: str | None = None,
    key: str = "",
    baseline: str | None = None,
) -> Finding:
    return Finding(
        rule_id=rule_id,
        severity=severity,
        family=family,
        message=message,
        location=location,
        fingerprint=fingerprint(rule_id, location, key),
        fix=fix,
        baseline=baseline,
    )


def metadata(fail_on: Severity = Severity.HIGH) -> Metadata:
    return Metadata(
        tool_version="0.0.0-test",
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:00:05+00:00",
        project=".",
        target="postgresql://app:***@db:5432/app",
        fail_on=fail_on,
        notices=("read-only session (default_transaction_read_only=on)",),
    )


def catalog() -> CatalogModel:
    """A small hand-built schema: users and carts, a foreign key between them."""
    users = Table(
        schema="public",
        name="users",
        columns=(
            Column("id", "bigint", not_null=True),
            Column("email", "text", not_null=True),
            Column("username", "character varying(64)"),
        ),
        indexes=(
            Index("users_pkey", (IndexKey("id"),), unique=True, constraint="primary key"),
            Index("users_email_key", (IndexKey("email"),), unique=True, constraint="unique"),
        ),
    )
    carts = Table(
        schema="public",
        name="carts",
        columns=(
            Column("id", "bigint", not_null=True),
            Column(
                "user_id", "bigint", origin=Origin("migrations/2024-01-01-000003_carts/up.sql", 3)
            ),
        ),
        indexes=(Index("carts_pkey", (IndexKey("id"),), unique=True, constraint="primary key"),),
        foreign_keys=(
            ForeignKey("carts_user_id_fkey", ("user_id",), "public.users", ("id",), "cascade"),
        ),
    )
    return CatalogModel(tables=(carts, users))


def sample_report() -> Report:
    """One report exercising every section: findings, verified, waived, skipped, errors."""
    schema = FamilyResult(
        family="schema",
        title="Schema requirements",
        findings=(
            finding(
                "TSC001",
                Severity.CRITICAL,
                "schema",
                "public.users.username has no length check (required: 3..64)",
                Location(
                    file="migrations/2024-01-01-000001_users/up.sql",
                    line=3,
                    object="public.users.username",
                ),
                fix="ALTER TABLE users ADD CHECK (char_length(username) BETWEEN 3 AND 64);",
            ),
            finding(
                "TSC002",
                Severity.HIGH,
                "schema",
                "public.carts.user_id may be NULL",
                Location(object="public.carts.user_id"),
                fix="ALTER TABLE carts ALTER COLUMN user_id SET NOT NULL;",
                baseline="new",
            ),
            finding(
                "TSC003",
                Severity.MEDIUM,
                "schema",
                "public.carts has no index on user_id",
                Location(object="public.carts"),
            ),
        ),
        verified=(
            Verified(
                "schema",
                "users.email is unique, case-insensitively",
                "users_email_key on lower(email)",
            ),
        ),
        checked=(("tables", 2), ("requirements", 5)),
        rules=("TSC001", "TSC002", "TSC003", "TSC004"),
        schema_diagram=schema_diagram(catalog()),
    )
    migrations = FamilyResult(
        family="migrations",
        title="Migrations",
        findings=(
            finding(
                "TMG001",
                Severity.LOW,
                "migrations",
                f"statement is not reversible: {HOSTILE_SQL}",
                Location(file=HOSTILE_FILE, line=7),
                fix="write a down.sql | that `reverts` it",
            ),
        ),
        skipped=(Skipped("migrations", "redo check", "no disposable database"),),
        verified=(
            Verified("migrations", "every migration is applied and unedited", "4 of 4 applied"),
        ),
        checked=(("migrations", 4),),
        rules=("TMG001", "TMG002"),
    )
    secrets = FamilyResult(
        family="secrets",
        title="Secrets",
        findings=(
            finding(
                "TSE001",
                Severity.INFO,
                "secrets",
                "high-entropy string (redacted)",
                Location(file="docs/example.md", line=12),
            ),
        ),
        checked=(("files", 40),),
        rules=("TSE001",),
    )
    hardening = FamilyResult(
        family="hardening",
        title="Server hardening",
        errors=(AuditError("hardening", "could not read pg_settings: permission denied"),),
        rules=("THR001",),
    )
    waived = (
        Waived(
            finding(
                "TSE001",
                Severity.HIGH,
                "secrets",
                "AWS access key (redacted)",
                Location(file="tests/fixtures/keys.txt", line=1),
            ),
            reason="test fixture, not a real key",
            expires="2027-01-31",
        ),
    )
    return Report(
        metadata=metadata(),
        families=(schema, migrations, secrets, hardening),
        waived=waived,
    )


LESSER_MIX = ((Severity.MEDIUM, 15), (Severity.LOW, 30), (Severity.INFO, 55))
"""Per hundred findings below high: 15 medium, 30 low, 55 info."""


def big_report(n: int, severe: int = 100) -> Report:
    """A report with ``n`` findings over three families: ``severe`` of them critical or
    high (one in five critical), the rest medium, low and info in a fixed mix."""
    cycle = [sev for sev, k in LESSER_MIX for _ in range(k)]
    families = ("schema", "migrations", "secrets")
    per: dict[str, list[Finding]] = {f: [] for f in families}
    for i in range(n):
        if i < severe:
            sev = Severity.CRITICAL if i % 5 == 0 else Severity.HIGH
        else:
            sev = cycle[i % len(cycle)]
        fam = families[i % len(families)]
        per[fam].append(
            finding(
                f"TBG{i % 7:03d}",
                sev,
                fam,
                f"finding number {i}: something | is `wrong` <here> in table_{i % 97}",
                Location(file=f"src/module_{i % 311}/file_{i}.sql", line=i % 500 + 1),
                fix=f"apply fix number {i} carefully",
                key=str(i),
            )
        )
    return Report(
        metadata=metadata(),
        families=tuple(
            FamilyResult(
                family=f,
                title=f.title(),
                findings=tuple(per[f]),
                rules=tuple(f"TBG{k:03d}" for k in range(7)),
            )
            for f in families
        ),
    )
