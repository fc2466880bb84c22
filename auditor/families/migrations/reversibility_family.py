"""The ``reversibility`` family: does every down.sql exactly undo its up.sql?

Runs the migrations on a scratch database (never the audited one) on the audited
database's server: the embedded throwaway one, or the server of ``--db`` (so the
migrations meet that server's version and extensions). A role without ``CREATEDB``
skips the family with that reason; it never falls back to another server.
"""

from __future__ import annotations

from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Skipped, Verified
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
        from auditor.migrate.verify import ScratchRefused, scratch_database, verify_reversibility

        try:
            with scratch_database(ctx.database) as (dsn, where):
                report = verify_reversibility(dsn, migrations)
        except ScratchRefused as exc:
            what = f"reversibility ({', '.join(r.id for r in rules_of(FAMILY))})"
            reason = f"{exc}; grant it (ALTER ROLE ... CREATEDB) or audit with a role that has it"
            return FamilyResult(FAMILY, TITLE, skipped=(Skipped(FAMILY, what, reason),))
        except DatabaseUnavailable as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        subject = ReversibilitySubject(project=ctx.project, report=report)
        findings, errors = run_rules(rules_of(FAMILY), subject)
        verified: tuple[Verified, ...] = ()
        if not report.problems and not errors:
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
