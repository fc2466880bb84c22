"""The ``drift`` family: does the live database match the migrations it records as applied?"""

from __future__ import annotations

import psycopg

from auditor.catalog.live import build_live_model
from auditor.catalog.static import build_static_model
from auditor.core.family import AuditContext, Family
from auditor.core.findings import AuditError, FamilyResult, Skipped, Verified
from auditor.core.rules import rules_of, run_rules
from auditor.db.dsn import scrub
from auditor.db.target import DatabaseUnavailable, connect
from auditor.families.drift.rules import FAMILY, DriftSubject
from auditor.migrate.layouts import LayoutError, load_migrations
from auditor.migrate.runner import MigrationError, Runner

TITLE = "Drift (database vs. migrations)"


class DriftFamily(Family):
    """Objects made, dropped or changed in the database outside the migrations."""

    name = FAMILY
    title = TITLE
    needs_database = True

    def __init__(self, layout: str | None = None) -> None:
        self.layout = layout

    def run(self, ctx: AuditContext) -> FamilyResult:
        if ctx.database is None:
            return FamilyResult(
                FAMILY,
                TITLE,
                skipped=(Skipped(FAMILY, "drift (DRF001-DRF003)", "no database audited"),),
            )
        target = ctx.database
        try:
            migrations = load_migrations(ctx.migrations, self.layout or ctx.config.layout())
            statuses = Runner(target.dsn, migrations).status()
            conn = connect(target.dsn)
            try:
                live = build_live_model(conn)
            finally:
                conn.close()
        except (LayoutError, MigrationError) as exc:
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, str(exc)),))
        except (psycopg.Error, DatabaseUnavailable) as exc:
            message = scrub(f"cannot read the schema: {' '.join(str(exc).split())}", target.dsn)
            return FamilyResult(FAMILY, TITLE, errors=(AuditError(FAMILY, message),))
        applied_versions = {s.version for s in statuses if s.applied}
        applied = [m for m in migrations if m.version in applied_versions]
        notes = []
        none_recorded = not applied
        if none_recorded:
            applied = migrations
            notes.append("no migration is recorded as applied: compared with every migration")
        static = build_static_model(applied, ctx.project)
        subject = DriftSubject(live, static, applied=len(applied), none_recorded=none_recorded)
        findings, errors = run_rules(rules_of(FAMILY), subject)
        verified: tuple[Verified, ...] = ()
        if not findings and not errors:
            verified = (
                Verified(
                    FAMILY,
                    "the database matches its migrations",
                    f"{len(live.tables)} tables compared with {len(applied)} applied migration(s) "
                    f"on {target.label}",
                ),
            )
        if static.unmodeled:
            notes.append(
                f"{len(static.unmodeled)} migration statement(s) not modeled: drift on the tables "
                "they touch is marked uncertain"
            )
        return FamilyResult(
            FAMILY,
            TITLE,
            findings=tuple(findings),
            errors=tuple(errors),
            verified=verified,
            checked=(
                ("tables in the database", len(live.tables)),
                ("tables in the migrations", len(static.model.tables)),
                ("applied migrations", len(applied)),
            ),
            notes=tuple(notes),
        )
