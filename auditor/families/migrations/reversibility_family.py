"""The ``reversibility`` family: does every down.sql exactly undo its up.sql?

Runs the migrations on a scratch database (never the audited one): on the same server
when the audited database is the embedded throwaway one, else on a new embedded server.
"""

from __future__ import annotations

from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Verified
from auditor.core.rules import rules_of, run_rules
from auditor.db.target import DatabaseUnavailable
from auditor.families.migrations.reversibility_rules import FAMILY, ReversibilitySubject
from auditor.migrate.layouts import LayoutError, load_migrations

TITLE = "Reversibility"


class ReversibilityFamily(Family):
    """Apply, revert and re-apply every migration on a scratch database; compare models."""

    name = FAMILY
    title = TITLE
    needs_database = True
    """It needs a PostgreSQL to write to (a scratch database, never the audited one)."""

    def run(self, ctx: AuditContext) -> FamilyResult:
        try:
            migrations = load_migrations(ctx.migrations, ctx.config.layout())
        except LayoutError as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        from auditor.migrate.verify import scratch_database, verify_reversibility

        target = ctx.database if ctx.database is not None and ctx.database.disposable else None
        try:
            with scratch_database(target) as (dsn, where):
                report = verify_reversibility(dsn, migrations)
        except DatabaseUnavailable as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        subject = ReversibilitySubject(project=ctx.project, report=report)
        findings, errors = run_rules(rules_of(FAMILY), subject)
        verified: tuple[Verified, ...] = ()
        if not report.issues and not errors:
            verified = (
                Verified(
                    FAMILY,
                    "every down.sql exactly restores the schema before its up.sql",
                    f"{report.checked} of {len(migrations)} migrations reverted and re-applied "
                    f"on {where}; catalog models compared before/after each step",
                ),
            )
        return FamilyResult(
            FAMILY,
            TITLE,
            findings=tuple(findings),
            errors=tuple(errors),
            verified=verified,
            checked=(("migrations", len(migrations)), ("round trips", report.checked)),
        )
