"""The ``migrations`` family: are the migrations applied, unedited and reversible?"""

from __future__ import annotations

from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Skipped, Verified
from auditor.core.rules import rules_of, run_rules
from auditor.db.target import DatabaseUnavailable
from auditor.families.migrations.rules import FAMILY, MigrationState
from auditor.migrate.layouts import LayoutError, load_migrations

TITLE = "Migrations"


class MigrationsFamily(Family):
    """Migration state: applied on the audited database, unedited, reversible."""

    name = FAMILY
    title = TITLE

    def run(self, ctx: AuditContext) -> FamilyResult:
        try:
            migrations = tuple(load_migrations(ctx.migrations, ctx.config.layout()))
        except LayoutError as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        skipped: list[Skipped] = []
        statuses = None
        if ctx.database is None:
            skipped.append(Skipped(FAMILY, "applied state (MIG001-MIG003)", "no database audited"))
        else:
            from auditor.migrate.runner import MigrationError, Runner

            try:
                statuses = tuple(Runner(ctx.database.dsn, list(migrations)).status())
            except (MigrationError, DatabaseUnavailable) as exc:
                return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        state = MigrationState(project=ctx.project, migrations=migrations, statuses=statuses)
        findings, errors = run_rules(rules_of(FAMILY), state)
        verified: list[Verified] = []
        if statuses is not None and not errors:
            applied = sum(1 for s in statuses if s.applied and not s.missing_locally)
            if applied == len(migrations) and not any(s.edited for s in statuses):
                verified.append(
                    Verified(
                        FAMILY,
                        "every migration is applied and unedited",
                        f"{applied} of {len(migrations)} applied on {ctx.database.label if ctx.database else ''}",
                    )
                )
        return FamilyResult(
            FAMILY,
            TITLE,
            findings=tuple(findings),
            skipped=tuple(skipped),
            errors=tuple(errors),
            verified=tuple(verified),
            checked=(("migrations", len(migrations)),),
        )
